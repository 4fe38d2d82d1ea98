//! The run-time state of one mock tenant, shared by every handler behind an `Arc`.
//!
//! [`AppState`] bundles the immutable [`Tenant`] fixture with the stores of what changes while
//! the mock runs: the clock, issued codes, the outbox, users created by a first login, issued
//! grants (authorization codes from magic links, refresh tokens), the MFA state (enrolled
//! factors, `mfa_token`s, out-of-band challenges) and the rate-limit buckets; plus where events
//! go. State holds stores; stores hold the rules and answer with their own rejections; handlers
//! translate. Each store has its own lock; none knows this module.

use std::sync::Arc;

use super::clock::Clock;
use super::errors::AuthError;
use super::events::{EventSink, MockEvent};
use super::grants::GrantStore;
use super::mfa_store::MfaStore;
use super::otp::OtpStore;
use super::outbox::Outbox;
use super::rate_limit::RateLimiter;
use super::tenant::Tenant;
use super::users::UserDirectory;

/// The shared state of a mock tenant; cloning is cheap (an `Arc`).
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    tenant: Tenant,
    public_url: String,
    events: EventSink,
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
    /// slash is removed. The issuer is `public_url` plus `/`. Events are dropped.
    pub fn new(tenant: Tenant, public_url: &str) -> AppState {
        AppState::with_events(tenant, public_url, EventSink::ignore())
    }

    /// Like [`AppState::new`], reporting events (such as failed SMTP deliveries) to `events`.
    pub fn with_events(tenant: Tenant, public_url: &str, events: EventSink) -> AppState {
        AppState::with_clock(tenant, public_url, events, Clock::new())
    }

    /// Like [`AppState::with_events`], on `clock` (e.g. [`Clock::frozen`] for a test's mock).
    pub fn with_clock(
        tenant: Tenant,
        public_url: &str,
        events: EventSink,
        clock: Clock,
    ) -> AppState {
        let users = UserDirectory::seeded(&tenant);
        let mfa = MfaStore::seeded(&tenant);
        AppState {
            inner: Arc::new(Inner {
                tenant,
                public_url: public_url.trim_end_matches('/').to_owned(),
                events,
                clock,
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

    /// The audience of the MFA API, `{issuer}mfa/`: access tokens for it list, delete and enrol
    /// authenticators (evidence `mfa.api_token.scopes`).
    pub fn mfa_audience(&self) -> String {
        format!("{}/mfa/", self.inner.public_url)
    }

    /// `error` as this tenant answers it: its fixture's `evidence_overrides:` entry for the
    /// error's catalogue entry applied, if it has one.
    pub fn calibrate(&self, error: AuthError) -> AuthError {
        match error
            .entry()
            .and_then(|id| self.inner.tenant.evidence_override(id))
        {
            Some(calibration) => error.calibrated(calibration),
            None => error,
        }
    }

    /// Reports an event to whoever runs the mock.
    pub fn emit(&self, event: MockEvent) {
        self.inner.events.emit(event);
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
