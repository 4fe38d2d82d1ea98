//! Client authentication: does a request prove it comes from the client it names?
//!
//! Public clients (`native`) only name themselves. Confidential clients (`regular_web`) must send
//! their secret, either as `client_secret` in the body (method *Post*) or in an
//! `Authorization: Basic` header (method *Basic*). Private Key JWT (`client_assertion`) is not
//! implemented: an assertion is treated as invalid credentials. This module answers with a
//! [`ClientAuthFailure`]; each endpoint words it its own way (`rejections.rs`).

use axum::http::HeaderMap;

use super::params::{Params, basic_credentials};
use super::tenant::Client;

/// Why a confidential client failed to authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthFailure {
    /// No credentials at all.
    Missing,
    /// Credentials were sent but are wrong or of an unsupported kind.
    Invalid,
}

/// Checks the credentials of `client` in the body and headers of a request.
pub fn authenticate(
    client: &Client,
    params: &Params,
    headers: &HeaderMap,
) -> Result<(), ClientAuthFailure> {
    if !client.is_confidential() {
        return Ok(());
    }
    // JSON `null` counts as absent: auth0-python sends omitted fields that way.
    if params.present("client_assertion").is_some() {
        return Err(ClientAuthFailure::Invalid);
    }
    let presented = match (params.present("client_secret"), basic_credentials(headers)) {
        (Some(value), _) => match value.as_str() {
            Some(secret) => secret.to_owned(),
            None => return Err(ClientAuthFailure::Invalid),
        },
        (None, Some((basic_id, secret))) if basic_id == client.client_id => secret,
        (None, Some(_)) => return Err(ClientAuthFailure::Invalid),
        (None, None) => return Err(ClientAuthFailure::Missing),
    };
    match &client.client_secret {
        Some(secret) if *secret == presented => Ok(()),
        _ => Err(ClientAuthFailure::Invalid),
    }
}
