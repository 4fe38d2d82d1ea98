//! The embedded mock Auth0 tenant: the passwordless half of Auth0's Authentication API and its
//! MFA API.
//!
//! Give it a [`Tenant`] fixture and it serves `POST /passwordless/start`, the passwordless OTP
//! grant (and magic-link codes, refresh tokens) on `POST /oauth/token`,
//! `GET /passwordless/verify_redirect`, OIDC discovery and a JWKS; the MFA API
//! (`mfa_required`, `GET`/`DELETE /mfa/authenticators`, `POST /mfa/challenge`,
//! `POST /mfa/associate`, and the `mfa-otp`, `mfa-oob` and `mfa-recovery-code` grants); plus a
//! test-only control API under `/__mock/` (outbox, tenant roster, clock, push decisions). Every
//! Auth0 behaviour it imitates is an entry of the evidence catalogue
//! ([`crate::evidence`], `evidence.yaml`) with its source and grade; its errors are answered
//! from there, and a tenant fixture may override any error entry (`evidence_overrides:`) to
//! match a real tenant. The fixture's `features:` say which MFA factors exist and whether
//! Customizable MFA is on.
//!
//! Run it in-process with [`MockServer::start`], standalone with [`serve`], or mount
//! [`router()`] yourself. Tokens are signed with PUBLIC TEST KEYS committed to the repository
//! (`test_keys/`). The library never prints: what an operator should hear arrives as
//! [`MockEvent`]s.
//!
//! The layout reads like an axum example, with dependencies pointing one way (down this list):
//! `server.rs` runs `router.rs`, which only routes to one handler file per area
//! (`passwordless.rs`, `token.rs` with `token_mfa.rs`, `mfa.rs`, `discovery.rs`, `control.rs`)
//! and wraps them in `layers.rs`; handlers read requests through `params.rs`, translate store
//! rejections through `rejections.rs` into `errors/`, and send through `messages.rs`;
//! `state.rs` holds the stores (`otp.rs`, `outbox.rs`, `users.rs`, `grants.rs`, `mfa_store/`,
//! `rate_limit.rs`) and the fixture (`tenant/`); the leaves (`lock.rs`, `ids.rs`, `address.rs`,
//! `clock.rs`, `paths.rs`, `events.rs`) know nothing above them. No store imports HTTP types.
//!
//! The mock knows nothing of scenarios, the runner, templates or snapshots.
//!
//! Opt-in through the tenant fixture: e-mail delivery over SMTP besides the outbox (`smtp:`),
//! text messages POSTed to a webhook like a custom phone provider's Action (`phone_provider:`),
//! Auth0's rate limits as scaled token buckets (`rate_limits:`), and a fixed delay on every
//! Auth0 response (`latency_ms`).
//!
//! Known limitations: rate limits only per endpoint (no tenant-wide limit across endpoints, no
//! per-user or per-session keys, `auth0-forwarded-for` ignored), no brute-force blocking beyond
//! the per-user MFA failure buckets, no blocked users; SMTP without authentication; no Private
//! Key JWT or mTLS client authentication; magic links only support `response_type=code`, do not
//! check `redirect_uri` against allowed callbacks and never ask for MFA; no `/authorize` or
//! `/userinfo` (the opaque access tokens are valid nowhere); MFA applies to the passwordless OTP
//! grant only (not to magic links or refresh tokens); no limits on MFA messages sent or push
//! notifications; no WebAuthn factors.

mod address;
mod client_auth;
mod clock;
mod control;
mod discovery;
mod errors;
mod events;
mod grants;
mod ids;
mod keys;
mod layers;
mod lock;
mod messages;
mod mfa;
mod mfa_store;
mod minting;
mod otp;
mod outbox;
mod params;
mod passwordless;
mod paths;
mod phone_provider;
mod rate_limit;
mod rejections;
mod router;
mod server;
mod smtp;
mod state;
mod tenant;
mod token;
mod token_mfa;
mod users;

pub use clock::{Clock, ClockReading};
pub use events::{EventSink, MockEvent};
pub use keys::{KEY_ID, NEXT_KEY_ID};
pub use outbox::{Channel, Message, Outbox};
pub use phone_provider::{PhoneProvider, WebhookUrlError};
pub use rate_limit::{EndpointLimit, LimitKey, RateLimits};
pub use router::router;
pub use server::{
    MockError, MockServer, SHUTDOWN_GRACE, ServeOptions, TlsFiles, serve, serve_with_shutdown,
};
pub use smtp::{DEFAULT_SMTP_FROM, SmtpAddressError, SmtpSettings, SmtpTls};
pub use state::AppState;
pub use tenant::{
    Api, AppType, Client, Connection, Factor, MfaFactor, MfaPolicy, MfaSettings,
    PASSWORDLESS_OTP_GRANT, Roster, RosterFactor, RosterUser, Strategy, Tenant, TenantDescription,
    TenantError, TenantFeatures, User,
};
pub use users::UserRecord;
