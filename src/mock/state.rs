//! The run-time state of one mock tenant, shared by every handler behind an `Arc`.
//!
//! [`AppState`] bundles the immutable [`Tenant`] fixture with what changes while the mock runs:
//! the clock, issued codes, the outbox, users created by a first login, issued grants
//! (authorization codes from magic links, refresh tokens) and the MFA state (enrolled factors,
//! `mfa_token`s, out-of-band challenges) and the rate-limit buckets. Each store has its own
//! `std::sync::Mutex`, held only for short synchronous sections, never across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;

use super::clock::{Clock, rfc3339};
use super::ids::{random_hex, random_token};
use super::mfa_store::MfaStore;
use super::otp::{OtpStore, normalize_identifier};
use super::outbox::Outbox;
use super::rate_limit::RateLimiter;
use super::tenant::{Connection, Strategy, Tenant};

/// How long an authorization code from a magic link stays valid, in seconds.
pub const AUTHORIZATION_CODE_LIFETIME_SECONDS: u64 = 600;

/// Locks a mutex, carrying on if another thread panicked while holding it (the data stays usable:
/// every critical section leaves it consistent before anything can panic).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The shared state of a mock tenant; cloning is cheap (an `Arc`).
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    tenant: Tenant,
    public_url: String,
    clock: Clock,
    otp: OtpStore,
    outbox: Outbox,
    users: UserDirectory,
    grants: GrantStore,
    mfa: MfaStore,
    rate_limiter: RateLimiter,
}

impl AppState {
    /// State for `tenant` served under `public_url` (e.g. `http://127.0.0.1:8080`); a trailing
    /// slash is removed. The issuer is `public_url` plus `/`.
    pub fn new(tenant: Tenant, public_url: &str) -> AppState {
        let users = UserDirectory::seeded(&tenant);
        let mfa = MfaStore::seeded(&tenant);
        AppState {
            inner: Arc::new(Inner {
                tenant,
                public_url: public_url.trim_end_matches('/').to_owned(),
                clock: Clock::new(),
                otp: OtpStore::default(),
                outbox: Outbox::default(),
                users,
                grants: GrantStore::default(),
                mfa,
                rate_limiter: RateLimiter::default(),
            }),
        }
    }

    /// The tenant fixture.
    pub fn tenant(&self) -> &Tenant {
        &self.inner.tenant
    }

    /// The public base URL, without a trailing slash.
    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    /// The token issuer: the public URL with a trailing slash, exactly as Auth0 writes `iss`.
    pub fn issuer(&self) -> String {
        format!("{}/", self.inner.public_url)
    }

    /// The injected clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The issued one-time codes.
    pub fn otp(&self) -> &OtpStore {
        &self.inner.otp
    }

    /// The sent messages.
    pub fn outbox(&self) -> &Outbox {
        &self.inner.outbox
    }

    /// The users, seeded from the fixture and created by logins.
    pub fn users(&self) -> &UserDirectory {
        &self.inner.users
    }

    /// Authorization codes and refresh tokens.
    pub fn grants(&self) -> &GrantStore {
        &self.inner.grants
    }

    /// Enrolled factors, `mfa_token`s and out-of-band challenges.
    pub fn mfa(&self) -> &MfaStore {
        &self.inner.mfa
    }

    /// The token buckets of the fixture's `rate_limits:` (empty when it has none).
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.inner.rate_limiter
    }
}

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
    fn seeded(tenant: &Tenant) -> UserDirectory {
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
        now: std::time::SystemTime,
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

/// What a successful login granted: enough to mint tokens again later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The client the login was for.
    pub client_id: String,
    /// The user who logged in.
    pub user: UserRecord,
    /// The requested scopes, space separated.
    pub scope: String,
    /// The requested API, if any.
    pub audience: Option<String>,
    /// The `nonce` to echo in the ID token.
    pub nonce: Option<String>,
    /// The `redirect_uri` of a magic link, which the code exchange must repeat if it sends one.
    pub redirect_uri: Option<String>,
    /// Unix seconds after which an authorization code or `mfa_token` is void (unused for refresh
    /// tokens).
    pub expires_at: u64,
    /// Whether the user passed a second factor: tokens then carry `amr: ["mfa"]`.
    pub mfa: bool,
}

/// Issued authorization codes (single use) and refresh tokens (reusable).
#[derive(Debug, Default)]
pub struct GrantStore {
    codes: Mutex<HashMap<String, Authorization>>,
    refresh_tokens: Mutex<HashMap<String, Authorization>>,
}

impl GrantStore {
    /// Stores an authorization and returns its fresh authorization code.
    pub fn issue_code(&self, authorization: Authorization) -> String {
        let code = random_token(24);
        lock(&self.codes).insert(code.clone(), authorization);
        code
    }

    /// Removes and returns the authorization behind `code`, if it exists, has not expired and
    /// passes `check`. A code that fails `check` is left for a corrected request; a code found
    /// expired is dropped.
    pub fn redeem_code<E>(
        &self,
        code: &str,
        now: u64,
        unknown: E,
        check: impl FnOnce(&Authorization) -> Result<(), E>,
    ) -> Result<Authorization, E> {
        let mut codes = lock(&self.codes);
        let Some(authorization) = codes.get(code) else {
            return Err(unknown);
        };
        if now >= authorization.expires_at {
            codes.remove(code);
            return Err(unknown);
        }
        check(authorization)?;
        codes.remove(code).ok_or(unknown)
    }

    /// Stores an authorization and returns a fresh opaque refresh token (`v1.` + 48 random bytes).
    pub fn issue_refresh_token(&self, authorization: Authorization) -> String {
        let token = format!("v1.{}", random_token(48));
        lock(&self.refresh_tokens).insert(token.clone(), authorization);
        token
    }

    /// The authorization behind a refresh token.
    pub fn refresh_token(&self, token: &str) -> Option<Authorization> {
        lock(&self.refresh_tokens).get(token).cloned()
    }
}
