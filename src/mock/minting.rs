//! Minting the token set of a successful login.
//!
//! Takes an [`Authorization`] (who logged in, for which client, with which scope and audience) and
//! returns the `/oauth/token` success body: an `access_token`, an `id_token` when `openid` was
//! asked for, a `refresh_token` when `offline_access` was asked for and allowed, `scope`,
//! `expires_in` and `token_type`.
//!
//! Only the tokens Auth0 signs are signed: without an API `audience` the access token is opaque
//! (evidence `tokens.access.opaque`); with one it is an RS256 JWT (`tokens.access.jwt`). The
//! MFA API's audience (`{issuer}mfa/`) keeps only its own scopes and OIDC ones, lives 600
//! seconds, and its tokens are remembered by the MFA store so that the MFA API accepts them
//! (`mfa.api_token.scopes`, `mfa.api_token.lifetime`). No token carries `amr`: the only second
//! factor the mock knows is the MFA API's, whose tokens have none (`tokens.amr`).
//!
//! The ID token carries `email`/`email_verified` with the `email` scope, `phone_number` and
//! `phone_verified` with `phone`, and `name`, `nickname`, `picture` and `updated_at` with
//! `profile` (`tokens.id.claims`). `offline_access` without an audience yields a refresh token;
//! with an API that does not allow offline access it is silently dropped.

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};

use super::errors::AuthError;
use super::grants::Authorization;
use super::ids::random_token;
use super::keys;
use super::state::AppState;
use super::tenant::Strategy;

/// The access-token lifetime when no API sets one, in seconds (evidence
/// `tokens.access.lifetime`).
pub const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS: u64 = 86_400;

/// The ID-token lifetime, in seconds (evidence `tokens.id.lifetime`).
pub const ID_TOKEN_LIFETIME_SECONDS: u64 = 36_000;

/// The lifetime of an access token for the MFA API, in seconds (evidence
/// `mfa.api_token.lifetime`).
pub const MFA_API_TOKEN_LIFETIME_SECONDS: u64 = 600;

/// The scopes of the MFA API's audience (evidence `mfa.api_token.scopes`).
pub const MFA_API_SCOPES: [&str; 3] = ["enroll", "read:authenticators", "remove:authenticators"];

/// The OpenID Connect scopes, kept whatever the audience.
const OIDC_SCOPES: [&str; 5] = ["openid", "profile", "email", "phone", "offline_access"];

/// Whether this grant may hand out a refresh token at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshPolicy {
    /// Issue one when `offline_access` is requested and allowed (the OTP and MFA grants).
    WhenRequested,
    /// Never issue one (magic-link code exchange, refresh grant: evidence `token.refresh.body`).
    Never,
}

/// Splits a `scope` string into distinct scopes, keeping their order.
pub fn split_scope(scope: &str) -> Vec<&str> {
    let mut scopes: Vec<&str> = Vec::new();
    for item in scope.split_whitespace() {
        if !scopes.contains(&item) {
            scopes.push(item);
        }
    }
    scopes
}

/// What the audience of a login grants: lifetime, offline access, and which scopes survive.
struct AudienceRules {
    lifetime: u64,
    offline_allowed: bool,
    /// `None`: every requested scope survives.
    allowed_scopes: Option<Vec<&'static str>>,
    mfa_api: bool,
}

fn audience_rules(state: &AppState, audience: Option<&str>) -> AudienceRules {
    if audience == Some(state.mfa_audience().as_str()) {
        let mut allowed = OIDC_SCOPES.to_vec();
        allowed.extend(MFA_API_SCOPES);
        return AudienceRules {
            lifetime: MFA_API_TOKEN_LIFETIME_SECONDS,
            offline_allowed: true,
            allowed_scopes: Some(allowed),
            mfa_api: true,
        };
    }
    let api = audience.and_then(|audience| state.tenant().api(audience));
    AudienceRules {
        lifetime: api.map_or(DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS, |api| {
            api.token_lifetime_seconds
        }),
        offline_allowed: api.is_none_or(|api| api.allow_offline_access),
        allowed_scopes: None,
        mfa_api: false,
    }
}

/// Mints the token-set body for `authorization`.
pub fn mint_tokens(
    state: &AppState,
    authorization: &Authorization,
    policy: RefreshPolicy,
) -> Result<Value, AuthError> {
    let issuer = state.issuer();
    let now = state.clock().unix_now();
    let rules = audience_rules(state, authorization.audience.as_deref());
    let requested = split_scope(&authorization.scope);
    let granted: Vec<&str> = requested
        .iter()
        .copied()
        .filter(|scope| *scope != "offline_access" || rules.offline_allowed)
        .filter(|scope| {
            rules
                .allowed_scopes
                .as_ref()
                .is_none_or(|allowed| allowed.contains(scope))
        })
        .collect();
    let openid = granted.contains(&"openid");

    let access_token = match &authorization.audience {
        None => opaque_access_token(&issuer),
        Some(audience) => {
            let audience_claim = if openid {
                json!([audience, format!("{issuer}userinfo")])
            } else {
                json!(audience)
            };
            let claims = json!({
                "iss": issuer,
                "sub": authorization.user.user_id,
                "aud": audience_claim,
                "iat": now,
                "exp": now.saturating_add(rules.lifetime),
                "scope": granted.join(" "),
                "azp": authorization.client_id,
            });
            keys::sign(&claims)?
        }
    };
    if rules.mfa_api {
        let expiring = Authorization {
            expires_at: now.saturating_add(rules.lifetime),
            ..authorization.clone()
        };
        state
            .mfa()
            .register_api_token(&access_token, expiring, &granted);
    }

    let mut body = Map::new();
    body.insert("access_token".into(), Value::from(access_token));
    if openid {
        let id_claims = id_token_claims(state, authorization, &granted, now);
        body.insert("id_token".into(), Value::from(keys::sign(&id_claims)?));
    }
    if policy == RefreshPolicy::WhenRequested && granted.contains(&"offline_access") {
        let refresh_token = state.grants().issue_refresh_token(authorization.clone());
        body.insert("refresh_token".into(), Value::from(refresh_token));
    }
    if !granted.is_empty() {
        body.insert("scope".into(), Value::from(granted.join(" ")));
    }
    body.insert("expires_in".into(), Value::from(rules.lifetime));
    body.insert("token_type".into(), Value::from("Bearer"));
    Ok(Value::Object(body))
}

/// An opaque access token shaped like Auth0's (a compact JWE with `alg: dir`, evidence
/// `tokens.access.opaque`): random, valid nowhere, never signed.
fn opaque_access_token(issuer: &str) -> String {
    let header = json!({"alg": "dir", "enc": "A256GCM", "iss": issuer}).to_string();
    format!(
        "{}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        random_token(12),
        random_token(48),
        random_token(16)
    )
}

fn id_token_claims(
    state: &AppState,
    authorization: &Authorization,
    granted: &[&str],
    now: u64,
) -> Value {
    let user = &authorization.user;
    let mut claims = Map::new();
    claims.insert("iss".into(), Value::from(state.issuer()));
    claims.insert("sub".into(), Value::from(user.user_id.as_str()));
    claims.insert("aud".into(), Value::from(authorization.client_id.as_str()));
    claims.insert("iat".into(), Value::from(now));
    claims.insert(
        "exp".into(),
        Value::from(now.saturating_add(ID_TOKEN_LIFETIME_SECONDS)),
    );
    if let Some(nonce) = &authorization.nonce {
        claims.insert("nonce".into(), Value::from(nonce.as_str()));
    }
    let identifier = user
        .email
        .as_deref()
        .or(user.phone_number.as_deref())
        .unwrap_or_default();
    if granted.contains(&"profile") {
        let nickname = identifier.split('@').next().unwrap_or(identifier);
        claims.insert("name".into(), Value::from(identifier));
        claims.insert("nickname".into(), Value::from(nickname));
        claims.insert(
            "picture".into(),
            Value::from(picture(user.email.as_deref())),
        );
        claims.insert("updated_at".into(), Value::from(iso8601_millis(now)));
    }
    match user.strategy {
        Strategy::Email if granted.contains(&"email") => {
            claims.insert("email".into(), Value::from(identifier));
            claims.insert("email_verified".into(), Value::from(true));
        }
        Strategy::Sms if granted.contains(&"phone") => {
            claims.insert("phone_number".into(), Value::from(identifier));
            claims.insert("phone_verified".into(), Value::from(true));
        }
        _ => {}
    }
    Value::Object(claims)
}

/// Auth0's default `picture`: the Gravatar of the e-mail's MD5 falling back to an avatar of its
/// first two letters; Auth0's default avatar without an e-mail (evidence `tokens.id.claims`).
fn picture(email: Option<&str>) -> String {
    let Some(email) = email else {
        return "https://cdn.auth0.com/avatars/default.png".to_owned();
    };
    let normalized = email.trim().to_lowercase();
    let hash: String = Md5::digest(normalized.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let initials: String = normalized
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(2)
        .collect();
    format!(
        "https://s.gravatar.com/avatar/{hash}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F{initials}.png"
    )
}

/// `2023-06-14T21:36:26.000Z`: ISO 8601 with milliseconds, as `updated_at` is written.
fn iso8601_millis(unix: u64) -> String {
    let time = UNIX_EPOCH + Duration::from_secs(unix);
    humantime::format_rfc3339_millis(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_scope_drops_duplicates_and_extra_spaces() {
        assert_eq!(
            split_scope("  openid email openid\toffline_access "),
            ["openid", "email", "offline_access"]
        );
        assert!(split_scope("").is_empty());
    }

    #[test]
    fn the_picture_is_the_gravatar_of_the_address_with_an_initials_fallback() {
        // The MD5 of `test-user@example.com` as Auth0 recorded it in go-auth0's TestUserInfo.
        assert_eq!(
            picture(Some("Test-User@example.com")),
            "https://s.gravatar.com/avatar/3664adb7d1eea0bd7d0b134577663889?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fte.png"
        );
        assert_eq!(iso8601_millis(1_686_778_586), "2023-06-14T21:36:26.000Z");
    }

    #[test]
    fn an_opaque_access_token_is_five_parts_with_an_empty_key() {
        let token = opaque_access_token("https://t/");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 5);
        assert!(parts[1].is_empty());
        assert!(token.starts_with("eyJhbGciOiJkaXIi"));
    }
}
