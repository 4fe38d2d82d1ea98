//! The applications of a tenant fixture: who may ask for codes and tokens, and how they prove it.

use serde::{Deserialize, Serialize};

use super::mfa::MfaPolicy;

/// The grant type of the embedded passwordless login (`/oauth/token` with an OTP).
pub const PASSWORDLESS_OTP_GRANT: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";

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
