//! The roster: who and what a mock tenant has, typed once for both ends of `GET /__mock/tenant`.
//!
//! The control handler fills a [`TenantDescription`] from the running state; the harness's
//! session reads the same type back, so neither side repeats field names as strings. A harness
//! that needs a tenant's roles before any server runs (listing trials) asks
//! [`Tenant::roster`]. The roster carries the fixture's PUBLIC test secrets (client secrets,
//! TOTP secrets, recovery codes): that is its purpose, and why the answer says `test_tenant`.

use serde::{Deserialize, Serialize};

use super::apps::Client;
use super::features::TenantFeatures;
use super::mfa::{MfaPolicy, MfaSettings};
use super::model::{Api, Connection, Strategy, Tenant};
use super::users::Factor;
use crate::mock::clock::ClockReading;

/// What `GET /__mock/tenant` answers: the roster plus the state of the running mock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantDescription {
    /// Always `true`: this is a mock tenant for tests.
    pub test_tenant: bool,
    /// Says that the secrets and the signing key are public.
    pub warning: String,
    /// The token issuer: the public URL with a trailing slash.
    pub issuer: String,
    /// The clients, connections, APIs, MFA settings and users.
    #[serde(flatten)]
    pub roster: Roster,
    /// How many messages the mock has sent since it started.
    pub messages_sent: u64,
    /// The mock's clock.
    pub clock: ClockReading,
}

/// The warning every [`TenantDescription`] carries.
pub const TEST_TENANT_WARNING: &str =
    "this is a mock tenant for tests: its secrets and signing key are public";

/// The clients, connections, APIs, MFA settings and users of a tenant, by role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roster {
    /// The tenant's name.
    pub name: String,
    /// The applications, each with its `role` and test secret.
    pub clients: Vec<Client>,
    /// The passwordless connections.
    pub connections: Vec<Connection>,
    /// The APIs an `audience` may name.
    pub apis: Vec<Api>,
    /// The tenant-wide MFA settings.
    pub mfa: MfaSettings,
    /// The features that change the wire (factors, Customizable MFA).
    #[serde(default)]
    pub features: TenantFeatures,
    /// The users, sorted by user id.
    pub users: Vec<RosterUser>,
}

/// A user as the roster lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterUser {
    /// E.g. `email|65c4bca2b6c3ddf424cef5d5`.
    pub user_id: String,
    /// The connection name.
    pub connection: String,
    /// The strategy of the connection.
    pub strategy: Strategy,
    /// The e-mail address of an e-mail user.
    pub email: Option<String>,
    /// The phone number of an SMS user.
    pub phone_number: Option<String>,
    /// When the user was created (RFC 3339); `None` for users from the fixture.
    pub created_at: Option<String>,
    /// The fixture's `role` (`users.<role>` in scenarios); `None` for users created by a login.
    pub role: Option<String>,
    /// The user's own MFA policy, when the fixture sets one.
    pub mfa: Option<MfaPolicy>,
    /// The user's factors, with their test secrets.
    pub factors: Vec<RosterFactor>,
}

/// An enrolled factor as the roster lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterFactor {
    /// The factor with its device id and test secrets.
    #[serde(flatten)]
    pub factor: Factor,
    /// Whether the enrolment is confirmed.
    pub active: bool,
    /// The ids under which `GET /mfa/authenticators` lists it.
    pub authenticator_ids: Vec<String>,
}

impl Tenant {
    /// The roster of this fixture before any server runs: its clients, connections, APIs and
    /// seed users with their confirmed factors.
    ///
    /// A factor without an `id` (or a push device without a `secret`) in the fixture gets a
    /// random one when a mock starts, so only a running mock's roster has those.
    ///
    /// ```
    /// use passwordless_conformance::mock::Tenant;
    /// let roster = Tenant::builtin().roster();
    /// assert!(roster.users.iter().any(|user| user.role.as_deref() == Some("totp_enrolled")));
    /// ```
    pub fn roster(&self) -> Roster {
        let mut users: Vec<RosterUser> = self
            .users
            .iter()
            .filter_map(|user| {
                let connection = self.connection(&user.connection)?;
                Some(RosterUser {
                    user_id: user.user_id.clone(),
                    connection: connection.name.clone(),
                    strategy: connection.strategy,
                    email: user.email.clone(),
                    phone_number: user.phone_number.clone(),
                    created_at: None,
                    role: user.role.clone(),
                    mfa: user.mfa,
                    factors: user
                        .factors
                        .iter()
                        .map(|factor| RosterFactor {
                            factor: factor.clone(),
                            active: true,
                            authenticator_ids: factor.authenticator_ids(&self.features),
                        })
                        .collect(),
                })
            })
            .collect();
        users.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        Roster {
            name: self.name.clone(),
            clients: self.clients.clone(),
            connections: self.connections.clone(),
            apis: self.apis.clone(),
            mfa: self.mfa.clone(),
            features: self.features.clone(),
            users,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_reads_back_what_it_wrote() {
        let description = TenantDescription {
            test_tenant: true,
            warning: TEST_TENANT_WARNING.to_owned(),
            issuer: "http://mock.test/".to_owned(),
            roster: Tenant::builtin().roster(),
            messages_sent: 3,
            clock: ClockReading {
                now: 1_700_000_000,
                offset_seconds: 0,
            },
        };
        let json = serde_json::to_value(&description).unwrap();
        let totp = json["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|user| user["role"] == "totp_enrolled")
            .unwrap();
        assert_eq!(totp["factors"][0]["type"], "totp");
        assert_eq!(totp["factors"][0]["active"], true);
        let back: TenantDescription = serde_json::from_value(json).unwrap();
        assert_eq!(back, description);
    }
}
