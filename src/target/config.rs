//! Target configuration read from environment variables.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::scenario::Capability;

/// The default per-request timeout: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What to run scenarios against.
#[derive(Debug, Clone)]
pub struct TargetConfig {
    /// The target's name: `mock`, or the value of `CONFORMANCE_TARGET` (used for `snapshots/<name>/`).
    pub name: String,
    /// The mock or a remote tenant.
    pub kind: TargetKind,
    /// How long one HTTP exchange may take (`CONFORMANCE_TIMEOUT_SECS`; default 30 s).
    pub timeout: Duration,
}

/// The two kinds of target.
#[derive(Debug, Clone)]
pub enum TargetKind {
    /// The embedded mock tenant, started fresh for every trial.
    Mock {
        /// A tenant fixture (`CONFORMANCE_MOCK_TENANT`); the built-in tenant when `None`.
        tenant_file: Option<PathBuf>,
    },
    /// A real tenant reached over the network.
    Remote(RemoteTarget),
}

/// A real tenant: its URL, its applications and its test identities.
#[derive(Debug, Clone)]
pub struct RemoteTarget {
    /// `https://your-tenant.eu.auth0.com` (no trailing slash).
    pub base_url: String,
    /// Applications by role (`native`, `confidential`, `no_passwordless`, `email_only`).
    pub clients: BTreeMap<String, ClientCredentials>,
    /// Connection names by kind (`email`, `sms`).
    pub connections: BTreeMap<String, String>,
    /// Test identities by role (`email_user`, `sms_user`).
    pub users: BTreeMap<String, IdentityTemplate>,
}

/// An application's credentials.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    /// The client id.
    pub client_id: String,
    /// The client secret, for confidential applications.
    pub client_secret: Option<String>,
}

/// A test identity. An e-mail address is made unique per trial with a `+tag` (so parallel trials
/// and repeated runs never share a user or a code); a phone number is used as given, since a
/// real SMS inbox has one number.
#[derive(Debug, Clone, Default)]
pub struct IdentityTemplate {
    /// Base e-mail address, e.g. `qa@example.com`.
    pub email: Option<String>,
    /// E.164 phone number.
    pub phone_number: Option<String>,
    /// Whether `phone_number` should be replaced by a unique fake number per trial (mock only).
    pub unique_phone: bool,
    /// Whether `email` is used as given (an existing account, e.g. an MFA test user) instead of
    /// being plus-addressed per trial.
    pub fixed: bool,
    /// Other facts about the account, by name: `totp_secret`, `recovery_code`, … All are treated
    /// as secrets in output.
    pub secrets: BTreeMap<String, String>,
}

/// The fields of `CONFORMANCE_USER_<ROLE>_<FIELD>` variables, longest first so that
/// `…_PHONE_NUMBER` is not read as a role ending in `_PHONE`.
const USER_FIELDS: &[&str] = &["PHONE_NUMBER", "RECOVERY_CODE", "TOTP_SECRET", "EMAIL"];

/// The configuration is incomplete or wrong.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// A variable the chosen target needs is not set.
    #[error(
        "target `{target}` needs the environment variable `{variable}` ({what})\nhint: export {variable}=… or run against the mock with CONFORMANCE_TARGET=mock"
    )]
    MissingVariable {
        /// The target's name.
        target: String,
        /// The variable.
        variable: String,
        /// What it is for.
        what: String,
    },
    /// A variable has a value that cannot be used.
    #[error("environment variable `{variable}` has an unusable value `{value}`: {why}")]
    BadValue {
        /// The variable.
        variable: String,
        /// Its value (never a secret variable).
        value: String,
        /// What is wrong.
        why: String,
    },
}

impl TargetConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<TargetConfig, TargetError> {
        let vars: BTreeMap<String, String> = std::env::vars()
            .filter(|(_, value)| !value.is_empty())
            .collect();
        TargetConfig::from_vars(&vars)
    }

    /// Reads the configuration from a set of variables (the environment, or a map in tests).
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Result<TargetConfig, TargetError> {
        let mut config = TargetConfig::from_lookup(|name| vars.get(name).cloned())?;
        if let TargetKind::Remote(remote) = &mut config.kind {
            remote.users.extend(users_from_vars(vars));
        }
        Ok(config)
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    ///
    /// `CONFORMANCE_TARGET` (default `mock`) names the target. `mock` is the embedded mock
    /// (`CONFORMANCE_MOCK_TENANT` may name a tenant fixture). Any other name is a real tenant
    /// described by `CONFORMANCE_BASE_URL`, `CONFORMANCE_NATIVE_CLIENT_ID`, optional
    /// `CONFORMANCE_CONFIDENTIAL_CLIENT_ID` + `CONFORMANCE_CONFIDENTIAL_CLIENT_SECRET`,
    /// `CONFORMANCE_NO_PASSWORDLESS_CLIENT_ID`, `CONFORMANCE_EMAIL_ONLY_CLIENT_ID`,
    /// `CONFORMANCE_EMAIL_CONNECTION` (default `email`), `CONFORMANCE_SMS_CONNECTION` (default `sms`),
    /// `CONFORMANCE_EMAIL` and `CONFORMANCE_PHONE`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<TargetConfig, TargetError> {
        let name = lookup("CONFORMANCE_TARGET").unwrap_or_else(|| "mock".to_owned());
        let timeout = match lookup("CONFORMANCE_TIMEOUT_SECS") {
            None => DEFAULT_TIMEOUT,
            Some(value) => match value.parse::<u64>() {
                Ok(seconds) if seconds > 0 => Duration::from_secs(seconds),
                _ => {
                    return Err(TargetError::BadValue {
                        variable: "CONFORMANCE_TIMEOUT_SECS".to_owned(),
                        value,
                        why: "expected a whole number of seconds greater than 0".to_owned(),
                    });
                }
            },
        };
        if !is_valid_target_name(&name) {
            return Err(TargetError::BadValue {
                variable: "CONFORMANCE_TARGET".to_owned(),
                value: name,
                why: "a target name is letters, digits, `-` and `_` (it names a snapshot folder)"
                    .to_owned(),
            });
        }
        let kind = if name == "mock" {
            TargetKind::Mock {
                tenant_file: lookup("CONFORMANCE_MOCK_TENANT").map(PathBuf::from),
            }
        } else {
            TargetKind::Remote(remote_from_lookup(&name, &lookup)?)
        };
        Ok(TargetConfig {
            name,
            kind,
            timeout,
        })
    }

    /// What this target offers beyond plain HTTP.
    pub fn capabilities(&self) -> &'static [Capability] {
        match self.kind {
            TargetKind::Mock { .. } => &[
                Capability::Outbox,
                Capability::Clock,
                Capability::PushControl,
            ],
            TargetKind::Remote(_) => &[],
        }
    }
}

/// Test accounts named by role: `CONFORMANCE_USER_TOTP_ENROLLED_EMAIL=qa-totp@example.com` and
/// `CONFORMANCE_USER_TOTP_ENROLLED_TOTP_SECRET=…` make `users.totp_enrolled.email` and
/// `users.totp_enrolled.totp_secret`. Such accounts are used as given (never plus-addressed).
fn users_from_vars(vars: &BTreeMap<String, String>) -> BTreeMap<String, IdentityTemplate> {
    let mut users: BTreeMap<String, IdentityTemplate> = BTreeMap::new();
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix("CONFORMANCE_USER_") else {
            continue;
        };
        let Some((role, field)) = USER_FIELDS.iter().find_map(|field| {
            rest.strip_suffix(field)
                .and_then(|role| role.strip_suffix('_'))
                .filter(|role| !role.is_empty())
                .map(|role| (role.to_ascii_lowercase(), *field))
        }) else {
            continue;
        };
        let user = users.entry(role).or_insert_with(|| IdentityTemplate {
            fixed: true,
            ..IdentityTemplate::default()
        });
        match field {
            "EMAIL" => user.email = Some(value.clone()),
            "PHONE_NUMBER" => user.phone_number = Some(value.clone()),
            other => {
                user.secrets
                    .insert(other.to_ascii_lowercase(), value.clone());
            }
        }
    }
    users
}

fn is_valid_target_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn remote_from_lookup(
    target: &str,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<RemoteTarget, TargetError> {
    let required = |variable: &str, what: &str| {
        lookup(variable).ok_or_else(|| TargetError::MissingVariable {
            target: target.to_owned(),
            variable: variable.to_owned(),
            what: what.to_owned(),
        })
    };
    let base_url = required(
        "CONFORMANCE_BASE_URL",
        "the tenant's URL, e.g. https://qa.eu.auth0.com",
    )?;
    let base_url = base_url.trim_end_matches('/').to_owned();
    if url::Url::parse(&base_url).is_err() {
        return Err(TargetError::BadValue {
            variable: "CONFORMANCE_BASE_URL".to_owned(),
            value: base_url,
            why: "expected an absolute URL such as https://qa.eu.auth0.com".to_owned(),
        });
    }

    let mut clients = BTreeMap::new();
    clients.insert(
        "native".to_owned(),
        ClientCredentials {
            client_id: required(
                "CONFORMANCE_NATIVE_CLIENT_ID",
                "a Native application with the Passwordless OTP grant",
            )?,
            client_secret: None,
        },
    );
    if let Some(client_id) = lookup("CONFORMANCE_CONFIDENTIAL_CLIENT_ID") {
        let client_secret = required(
            "CONFORMANCE_CONFIDENTIAL_CLIENT_SECRET",
            "the secret of CONFORMANCE_CONFIDENTIAL_CLIENT_ID",
        )?;
        clients.insert(
            "confidential".to_owned(),
            ClientCredentials {
                client_id,
                client_secret: Some(client_secret),
            },
        );
    }
    for (role, variable) in [
        ("no_passwordless", "CONFORMANCE_NO_PASSWORDLESS_CLIENT_ID"),
        ("email_only", "CONFORMANCE_EMAIL_ONLY_CLIENT_ID"),
    ] {
        if let Some(client_id) = lookup(variable) {
            clients.insert(
                role.to_owned(),
                ClientCredentials {
                    client_id,
                    client_secret: None,
                },
            );
        }
    }

    let mut connections = BTreeMap::new();
    connections.insert(
        "email".to_owned(),
        lookup("CONFORMANCE_EMAIL_CONNECTION").unwrap_or_else(|| "email".to_owned()),
    );
    connections.insert(
        "sms".to_owned(),
        lookup("CONFORMANCE_SMS_CONNECTION").unwrap_or_else(|| "sms".to_owned()),
    );

    let mut users = BTreeMap::new();
    if let Some(email) = lookup("CONFORMANCE_EMAIL") {
        if !email.contains('@') {
            return Err(TargetError::BadValue {
                variable: "CONFORMANCE_EMAIL".to_owned(),
                value: email,
                why: "expected an e-mail address such as qa@example.com".to_owned(),
            });
        }
        users.insert(
            "email_user".to_owned(),
            IdentityTemplate {
                email: Some(email),
                ..IdentityTemplate::default()
            },
        );
    }
    if let Some(phone_number) = lookup("CONFORMANCE_PHONE") {
        users.insert(
            "sms_user".to_owned(),
            IdentityTemplate {
                phone_number: Some(phone_number),
                ..IdentityTemplate::default()
            },
        );
    }
    Ok(RemoteTarget {
        base_url,
        clients,
        connections,
        users,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn the_default_target_is_the_mock() {
        let config = TargetConfig::from_lookup(lookup(&[])).unwrap();
        assert_eq!(config.name, "mock");
        assert!(matches!(
            config.kind,
            TargetKind::Mock { tenant_file: None }
        ));
    }

    #[test]
    fn a_remote_target_names_the_first_missing_variable() {
        let error =
            TargetConfig::from_lookup(lookup(&[("CONFORMANCE_TARGET", "staging")])).unwrap_err();
        assert!(
            error.to_string().contains("`CONFORMANCE_BASE_URL`"),
            "{error}"
        );
        let error = TargetConfig::from_lookup(lookup(&[
            ("CONFORMANCE_TARGET", "staging"),
            ("CONFORMANCE_BASE_URL", "https://qa.test"),
        ]))
        .unwrap_err();
        assert!(
            error.to_string().contains("`CONFORMANCE_NATIVE_CLIENT_ID`"),
            "{error}"
        );
    }

    #[test]
    fn a_confidential_client_needs_its_secret() {
        let error = TargetConfig::from_lookup(lookup(&[
            ("CONFORMANCE_TARGET", "staging"),
            ("CONFORMANCE_BASE_URL", "https://qa.test/"),
            ("CONFORMANCE_NATIVE_CLIENT_ID", "n"),
            ("CONFORMANCE_CONFIDENTIAL_CLIENT_ID", "c"),
        ]))
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("CONFORMANCE_CONFIDENTIAL_CLIENT_SECRET"),
            "{error}"
        );
    }

    #[test]
    fn a_complete_remote_target_is_read() {
        let config = TargetConfig::from_lookup(lookup(&[
            ("CONFORMANCE_TARGET", "staging"),
            ("CONFORMANCE_BASE_URL", "https://qa.test/"),
            ("CONFORMANCE_NATIVE_CLIENT_ID", "n"),
            ("CONFORMANCE_EMAIL", "qa@example.com"),
            ("CONFORMANCE_TIMEOUT_SECS", "5"),
        ]))
        .unwrap();
        let TargetKind::Remote(remote) = &config.kind else {
            panic!("expected a remote target")
        };
        assert_eq!(remote.base_url, "https://qa.test");
        assert_eq!(remote.connections["email"], "email");
        assert_eq!(config.timeout, Duration::from_secs(5));
        assert!(config.capabilities().is_empty());
    }

    #[test]
    fn test_accounts_are_read_by_role() {
        let vars: BTreeMap<String, String> = [
            ("CONFORMANCE_TARGET", "staging"),
            ("CONFORMANCE_BASE_URL", "https://qa.test"),
            ("CONFORMANCE_NATIVE_CLIENT_ID", "n"),
            ("CONFORMANCE_USER_TOTP_ENROLLED_EMAIL", "totp@qa.test"),
            (
                "CONFORMANCE_USER_TOTP_ENROLLED_TOTP_SECRET",
                "JBSWY3DPEHPK3PXP",
            ),
            ("CONFORMANCE_USER_SMS_MFA_PHONE_NUMBER", "+15555550111"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let config = TargetConfig::from_vars(&vars).unwrap();
        let TargetKind::Remote(remote) = &config.kind else {
            panic!("expected a remote target")
        };
        let totp = &remote.users["totp_enrolled"];
        assert_eq!(totp.email.as_deref(), Some("totp@qa.test"));
        assert_eq!(totp.secrets["totp_secret"], "JBSWY3DPEHPK3PXP");
        assert!(totp.fixed);
        assert_eq!(
            remote.users["sms_mfa"].phone_number.as_deref(),
            Some("+15555550111")
        );
    }

    #[test]
    fn target_names_must_be_usable_as_folder_names() {
        let error =
            TargetConfig::from_lookup(lookup(&[("CONFORMANCE_TARGET", "../x")])).unwrap_err();
        assert!(error.to_string().contains("CONFORMANCE_TARGET"), "{error}");
    }
}
