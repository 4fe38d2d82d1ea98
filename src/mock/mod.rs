//! The embedded mock Auth0 tenant: the passwordless half of Auth0's Authentication API.
//!
//! Give it a [`Tenant`] fixture and it serves `POST /passwordless/start`, the passwordless OTP
//! grant (and magic-link codes, refresh tokens) on `POST /oauth/token`,
//! `GET /passwordless/verify_redirect`, OIDC discovery and a JWKS, plus a test-only control API
//! under `/__mock/` (outbox, tenant, clock). Errors use Auth0's exact strings; the choices the
//! protocol reference leaves open are listed in one place, in `errors.rs`.
//!
//! Run it in-process with [`MockServer::start`], standalone with [`serve`], or mount
//! [`router()`] yourself. Tokens are signed with a PUBLIC TEST KEY committed to the repository.
//!
//! The mock knows nothing of scenarios, the runner, templates or snapshots.
//!
//! Known limitations: no rate limits, brute-force blocking or blocked users; no Private Key JWT
//! or mTLS client authentication; magic links only support `response_type=code` and do not check
//! `redirect_uri` against allowed callbacks; no `/authorize` or `/userinfo`; the MFA grants are
//! recognised but not implemented yet.

mod client_auth;
mod clock;
mod control;
mod discovery;
mod errors;
mod ids;
mod keys;
mod minting;
mod otp;
mod outbox;
mod params;
mod passwordless;
mod router;
mod server;
mod state;
mod tenant;
mod token;

pub use clock::Clock;
pub use keys::{JWK_E, JWK_N, KEY_ID};
pub use outbox::{Channel, Message, Outbox};
pub use router::router;
pub use server::{MockError, MockServer, ServeOptions, TlsFiles, serve, serve_with_shutdown};
pub use state::{AppState, UserRecord};
pub use tenant::{
    Api, AppType, Client, Connection, PASSWORDLESS_OTP_GRANT, Strategy, Tenant, TenantError, User,
};
