//! The users of a running mock: the fixture's seed users and those a first login created.
//!
//! Takes the [`Tenant`] to seed from and the logins that follow; gives the [`UserRecord`] of an
//! identifier on a connection, creating it on a first login (`<strategy>|<24 hex>`). Every lookup
//! and creation happens under one lock, so concurrent first logins of one identifier create one
//! user. This module knows nothing of HTTP or of what a login must prove.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use serde::Serialize;

use super::address::normalize_identifier;
use super::clock::rfc3339;
use super::ids::random_hex;
use super::lock::lock;
use super::tenant::{Connection, Strategy, Tenant};

/// A user as the mock knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRecord {
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
    /// The fixture's `role` for the user (`users.<role>` in scenarios); `None` for users
    /// created by a login.
    pub role: Option<String>,
}

/// Users keyed by connection and normalised identifier.
#[derive(Debug, Default)]
pub struct UserDirectory {
    users: Mutex<HashMap<(String, String), UserRecord>>,
}

impl UserDirectory {
    /// The fixture's seed users.
    pub fn seeded(tenant: &Tenant) -> UserDirectory {
        let mut users = HashMap::new();
        for user in &tenant.users {
            let (Some(connection), Some(identifier)) =
                (tenant.connection(&user.connection), user.identifier())
            else {
                continue;
            };
            let record = UserRecord {
                user_id: user.user_id.clone(),
                connection: connection.name.clone(),
                strategy: connection.strategy,
                email: user.email.clone(),
                phone_number: user.phone_number.clone(),
                created_at: None,
                role: user.role.clone(),
            };
            users.insert(
                (connection.name.clone(), normalize_identifier(identifier)),
                record,
            );
        }
        UserDirectory {
            users: Mutex::new(users),
        }
    }

    /// The user of `connection` with this e-mail address or phone number.
    pub fn find(&self, connection: &str, identifier: &str) -> Option<UserRecord> {
        lock(&self.users)
            .get(&(connection.to_owned(), normalize_identifier(identifier)))
            .cloned()
    }

    /// The existing user, or a new one (`<strategy>|<24 hex>`) created at `now`.
    pub fn find_or_create(
        &self,
        connection: &Connection,
        identifier: &str,
        now: SystemTime,
    ) -> UserRecord {
        let key = (connection.name.clone(), normalize_identifier(identifier));
        lock(&self.users)
            .entry(key)
            .or_insert_with(|| {
                let (email, phone_number) = match connection.strategy {
                    Strategy::Email => (Some(normalize_identifier(identifier)), None),
                    Strategy::Sms => (None, Some(identifier.trim().to_owned())),
                };
                UserRecord {
                    user_id: format!("{}|{}", connection.strategy, random_hex(24)),
                    connection: connection.name.clone(),
                    strategy: connection.strategy,
                    email,
                    phone_number,
                    created_at: Some(rfc3339(now)),
                    role: None,
                }
            })
            .clone()
    }

    /// Every user, sorted by user id.
    pub fn all(&self) -> Vec<UserRecord> {
        let mut users: Vec<_> = lock(&self.users).values().cloned().collect();
        users.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        users
    }
}
