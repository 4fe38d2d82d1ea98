//! The embedded mock Auth0 tenant: the passwordless half of Auth0's Authentication API and its
//! MFA API.
//!
//! Give it a [`Tenant`] fixture and it serves `POST /passwordless/start`, the passwordless OTP
//! grant (and magic-link codes, refresh tokens) on `POST /oauth/token`,
//! `GET /passwordless/verify_redirect`, OIDC discovery and a JWKS; the MFA API
//! (`mfa_required`, `GET`/`DELETE /mfa/authenticators`, `POST /mfa/challenge`,
//! `POST /mfa/associate`, and the `mfa-otp`, `mfa-oob` and `mfa-recovery-code` grants); plus a
//! test-only control API under `/__mock/` (outbox, tenant, clock, push decisions). Errors use Auth0's exact strings; the choices the
//! protocol reference leaves open are listed in one place, in `errors.rs`.
//!
//! Run it in-process with [`MockServer::start`], standalone with [`serve`], or mount
//! [`router()`] yourself. Tokens are signed with a PUBLIC TEST KEY committed to the repository.
//!
//! The mock knows nothing of scenarios, the runner, templates or snapshots.
//!
//! Opt-in through the tenant fixture: e-mail delivery over SMTP besides the outbox (`smtp:`),
//! Auth0's rate limits as scaled token buckets (`rate_limits:`), and a fixed delay on every
//! Auth0 response (`latency_ms`).
//!
//! Known limitations: rate limits only per endpoint (no tenant-wide limit across endpoints, no
//! per-user or per-session keys, `auth0-forwarded-for` ignored), no brute-force blocking beyond
//! the per-user MFA failure limits, no blocked users; SMTP without authentication; no Private Key JWT or mTLS client authentication; magic links only
//! support `response_type=code`, do not check `redirect_uri` against allowed callbacks and never
//! ask for MFA; no `/authorize` or `/userinfo`; MFA applies to the passwordless OTP grant only (not
//! to magic links or refresh tokens); the MFA API accepts only `mfa_token`s (no access tokens for
//! the `/mfa/` audience), so a user with a confirmed factor cannot enrol another; no limits on
//! MFA messages sent or push notifications; no WebAuthn factors.

mod client_auth;
mod clock;
mod control;
mod discovery;
mod errors;
mod ids;
mod keys;
mod latency;
mod mfa;
mod mfa_store;
mod minting;
mod otp;
mod outbox;
mod params;
mod passwordless;
mod rate_limit;
mod router;
mod server;
mod smtp;
mod state;
mod tenant;
mod token;
mod token_mfa;

pub use clock::Clock;
pub use keys::{JWK_E, JWK_N, KEY_ID};
pub use outbox::{Channel, Message, Outbox};
pub use rate_limit::{EndpointLimit, LimitKey, RateLimits};
pub use router::router;
pub use server::{MockError, MockServer, ServeOptions, TlsFiles, serve, serve_with_shutdown};
pub use smtp::{DEFAULT_SMTP_FROM, SmtpAddressError, SmtpSettings, SmtpTls};
pub use state::{AppState, UserRecord};
pub use tenant::{
    Api, AppType, Client, Connection, Factor, MfaPolicy, MfaSettings, PASSWORDLESS_OTP_GRANT,
    Strategy, Tenant, TenantError, User,
};
