//! What a successful login granted, kept to mint tokens again later: authorization codes from
//! magic links (single use) and refresh tokens (reusable).
//!
//! Takes an [`Authorization`] from a handler; gives back an opaque code or token, and later the
//! authorization behind it, or a [`CodeRejection`]. Every check-and-remove happens under one
//! lock, so an authorization code is redeemed at most once. This module knows nothing of HTTP
//! or of Auth0's error texts.

use std::collections::HashMap;
use std::sync::Mutex;

use super::ids::random_token;
use super::lock::lock;
use super::users::UserRecord;

/// How long an authorization code from a magic link stays valid, in seconds (evidence
/// `link.code_lifetime`).
pub const AUTHORIZATION_CODE_LIFETIME_SECONDS: u64 = 600;

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
    /// Unix seconds after which an authorization code, `mfa_token` or MFA access token is void
    /// (unused for refresh tokens).
    pub expires_at: u64,
}

/// Why an authorization code was not redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRejection {
    /// Never issued, already redeemed, expired, or issued to another client.
    Unknown,
    /// The exchange names another `redirect_uri` than the link did.
    RedirectMismatch,
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

    /// Removes and returns the authorization behind `code` for `client_id`, at `now`.
    ///
    /// A code presented by another client or with another `redirect_uri` than its link's (when
    /// the exchange sends one) is refused but left for a corrected request; a code found
    /// expired is dropped.
    pub fn redeem_code(
        &self,
        code: &str,
        client_id: &str,
        redirect_uri: Option<&str>,
        now: u64,
    ) -> Result<Authorization, CodeRejection> {
        let mut codes = lock(&self.codes);
        let Some(authorization) = codes.get(code) else {
            return Err(CodeRejection::Unknown);
        };
        if now >= authorization.expires_at {
            codes.remove(code);
            return Err(CodeRejection::Unknown);
        }
        if authorization.client_id != client_id {
            return Err(CodeRejection::Unknown);
        }
        if authorization.redirect_uri.is_some()
            && authorization.redirect_uri.as_deref() != redirect_uri
        {
            return Err(CodeRejection::RedirectMismatch);
        }
        codes.remove(code).ok_or(CodeRejection::Unknown)
    }

    /// Stores an authorization and returns a fresh opaque refresh token (`v1.` + 48 random
    /// bytes; evidence `tokens.refresh.format`).
    pub fn issue_refresh_token(&self, authorization: Authorization) -> String {
        let token = format!("v1.{}", random_token(48));
        lock(&self.refresh_tokens).insert(token.clone(), authorization);
        token
    }

    /// The authorization behind a refresh token, if it was issued to `client_id`.
    pub fn refresh_token(&self, token: &str, client_id: &str) -> Option<Authorization> {
        lock(&self.refresh_tokens)
            .get(token)
            .filter(|authorization| authorization.client_id == client_id)
            .cloned()
    }
}
