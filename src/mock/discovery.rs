//! `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json` (§6).
//!
//! The issuer is the public URL with a trailing slash, exactly as it appears in `iss`. The
//! metadata lists endpoints a real tenant has even where the mock does not serve them
//! (`/authorize`, `/userinfo`), because OIDC clients expect them to be present.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::keys;
use super::state::AppState;
use super::tenant::PASSWORDLESS_OTP_GRANT;
use super::token_mfa::{MFA_OOB_GRANT, MFA_OTP_GRANT, MFA_RECOVERY_CODE_GRANT};

/// `GET /.well-known/openid-configuration`.
pub async fn discovery_openid_configuration(State(state): State<AppState>) -> Json<Value> {
    let base = state.public_url();
    Json(json!({
        "issuer": state.issuer(),
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "scopes_supported": ["openid", "profile", "email", "phone", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            PASSWORDLESS_OTP_GRANT,
            MFA_OTP_GRANT,
            MFA_OOB_GRANT,
            MFA_RECOVERY_CODE_GRANT,
        ],
        "claims_supported": [
            "aud", "exp", "iat", "iss", "sub", "nonce", "name", "nickname",
            "email", "email_verified", "phone_number", "phone_verified",
        ],
    }))
}

/// `GET /.well-known/jwks.json`: the public half of the (public!) test signing key.
pub async fn discovery_jwks() -> Json<Value> {
    Json(keys::jwks())
}
