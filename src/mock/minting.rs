//! Minting the token set of a successful login (§3.2, §6).
//!
//! Takes an [`Authorization`] (who logged in, for which client, with which scope and audience) and
//! returns the `/oauth/token` success body: an RS256 `access_token`, an `id_token` when `openid`
//! was asked for, a `refresh_token` when `offline_access` was asked for and allowed, `scope`,
//! `expires_in` and `token_type`.
//!
//! Claim choices: the ID token carries `email`/`email_verified` with the `email` scope and
//! `phone_number`/`phone_verified` with the `phone` scope (standard OIDC scopes; whether Auth0 adds
//! phone claims for SMS users without the `phone` scope is UNVERIFIED), `name` and `nickname` with
//! `profile`. Without an `audience` the access token is a JWT for `{issuer}userinfo` (real Auth0
//! may issue an opaque token there). `offline_access` without an audience yields a refresh token
//! (UNVERIFIED); with an API that does not allow offline access it is silently dropped. After a
//! second factor both tokens carry `amr: ["mfa"]`, and so do tokens refreshed from that login.

use serde_json::{Map, Value, json};

use super::errors::AuthError;
use super::grants::Authorization;
use super::keys;
use super::state::AppState;
use super::tenant::Strategy;

/// The access-token lifetime when no API sets one, in seconds.
pub const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS: u64 = 86_400;

/// The ID-token lifetime, in seconds (Auth0's default of 10 hours).
pub const ID_TOKEN_LIFETIME_SECONDS: u64 = 36_000;

/// Whether this grant may hand out a refresh token at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshPolicy {
    /// Issue one when `offline_access` is requested and allowed (the OTP grant).
    WhenRequested,
    /// Never issue one (magic-link code exchange, refresh grant).
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

/// Mints the token-set body for `authorization`.
pub fn mint_tokens(
    state: &AppState,
    authorization: &Authorization,
    policy: RefreshPolicy,
) -> Result<Value, AuthError> {
    let issuer = state.issuer();
    let now = state.clock().unix_now();
    let api = authorization
        .audience
        .as_deref()
        .and_then(|audience| state.tenant().api(audience));
    let lifetime = api.map_or(DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS, |api| {
        api.token_lifetime_seconds
    });
    let offline_allowed = api.is_none_or(|api| api.allow_offline_access);
    let requested = split_scope(&authorization.scope);
    let granted: Vec<&str> = requested
        .iter()
        .copied()
        .filter(|scope| *scope != "offline_access" || offline_allowed)
        .collect();
    let openid = granted.contains(&"openid");
    let user = &authorization.user;
    let userinfo = format!("{issuer}userinfo");

    let audience_claim = match &authorization.audience {
        Some(audience) if openid => json!([audience, userinfo]),
        Some(audience) => json!(audience),
        None => json!(userinfo),
    };
    let mut access_claims = json!({
        "iss": issuer,
        "sub": user.user_id,
        "aud": audience_claim,
        "iat": now,
        "exp": now.saturating_add(lifetime),
        "scope": granted.join(" "),
        "azp": authorization.client_id,
    });
    if authorization.mfa {
        access_claims["amr"] = json!(["mfa"]);
    }

    let mut body = Map::new();
    body.insert(
        "access_token".into(),
        Value::from(keys::sign(&access_claims)?),
    );
    if openid {
        let id_claims = id_token_claims(authorization, &granted, &issuer, now);
        body.insert("id_token".into(), Value::from(keys::sign(&id_claims)?));
    }
    if policy == RefreshPolicy::WhenRequested && granted.contains(&"offline_access") {
        let refresh_token = state.grants().issue_refresh_token(authorization.clone());
        body.insert("refresh_token".into(), Value::from(refresh_token));
    }
    if !granted.is_empty() {
        body.insert("scope".into(), Value::from(granted.join(" ")));
    }
    body.insert("expires_in".into(), Value::from(lifetime));
    body.insert("token_type".into(), Value::from("Bearer"));
    Ok(Value::Object(body))
}

fn id_token_claims(
    authorization: &Authorization,
    granted: &[&str],
    issuer: &str,
    now: u64,
) -> Value {
    let user = &authorization.user;
    let mut claims = Map::new();
    claims.insert("iss".into(), Value::from(issuer));
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
    if authorization.mfa {
        claims.insert("amr".into(), json!(["mfa"]));
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
}
