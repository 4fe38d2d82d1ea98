//! `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json`.
//!
//! The document has the members, in the order and with the values, of a real tenant's (evidence
//! `discovery.document`), with the mock's URLs: it lists endpoints the mock does not serve
//! (`/authorize`, `/userinfo`, `/oauth/device/code`, ...) because OIDC clients expect them, and no
//! `grant_types_supported`. The issuer is the public URL with a trailing slash, exactly as it
//! appears in `iss`. The JWKS publishes both PUBLIC TEST keys (evidence `discovery.jwks`).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::errors::AuthError;
use super::keys;
use super::state::AppState;

/// `GET /.well-known/openid-configuration`.
pub async fn discovery_openid_configuration(State(state): State<AppState>) -> Json<Value> {
    let base = state.public_url();
    Json(json!({
        "issuer": state.issuer(),
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "device_authorization_endpoint": format!("{base}/oauth/device/code"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "mfa_challenge_endpoint": format!("{base}/mfa/challenge"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "registration_endpoint": format!("{base}/oidc/register"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "scopes_supported": [
            "openid", "profile", "offline_access", "name", "given_name", "family_name",
            "nickname", "email", "email_verified", "picture", "created_at", "identities",
            "phone", "address",
        ],
        "response_types_supported": [
            "code", "token", "id_token", "code token", "code id_token", "token id_token",
            "code token id_token",
        ],
        "code_challenge_methods_supported": ["S256", "plain"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic", "client_secret_post", "private_key_jwt",
        ],
        "claims_supported": [
            "aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name",
            "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number",
            "picture", "sub",
        ],
        "request_uri_parameter_supported": false,
        "request_parameter_supported": false,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "PS256"],
    }))
}

/// `GET /.well-known/jwks.json`: the public halves of the (public!) test signing keys.
pub async fn discovery_jwks() -> Result<Json<Value>, AuthError> {
    keys::jwks().map(Json)
}
