//! The tenant fixture: the clients, connections, APIs and seed users the mock serves.
//!
//! A [`Tenant`] is plain data read from YAML (`mock/tenant.yaml` is the built-in one). It is never
//! mutated while the mock runs; users created by a first login live in the run-time state instead.
//! The issuer is deliberately not part of the fixture: it is the public URL the mock is served under.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The grant type of the embedded passwordless login (`/oauth/token` with an OTP).
pub const PASSWORDLESS_OTP_GRANT: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";

/// The built-in fixture, shipped as `mock/tenant.yaml`.
const BUILTIN_YAML: &str = include_str!("../../mock/tenant.yaml");

/// Where [`Tenant::builtin`] says its fixture came from in error messages.
const BUILTIN_PATH: &str = "mock/tenant.yaml (built in)";

/// A mock Auth0 tenant: clients, passwordless connections, APIs and seed users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// `no-passwordless-app`, `email-only-app`; connections `email` and `sms`.
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
                "email-only-app"
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
