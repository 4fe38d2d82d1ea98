//! The token-signing key of the mock and the JWKS that publishes it.
//!
//! WARNING: `test_key.pem` is a PUBLIC TEST KEY, committed to the repository on purpose so that
//! tokens are reproducible to verify. Anyone can sign tokens with it. Never trust a token signed by
//! it outside tests, and never reuse it anywhere. Its key id says so: [`KEY_ID`].
//!
//! The JWK members [`JWK_N`] and [`JWK_E`] were computed once from the key with
//! `openssl rsa -in test_key.pem -noout -modulus` and base64url-encoded; a test checks that a token
//! signed with the private key verifies against them.

use std::sync::LazyLock;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::{Value, json};

use super::errors::{AuthError, server_error};

/// The key id of the public test key (the `kid` of every token and of the JWKS entry).
pub const KEY_ID: &str = "mock-test-key-1-public-do-not-trust";

/// The RSA modulus of the public test key, base64url without padding.
pub const JWK_N: &str = "uSfe93eS2wfbJ_EzAu7klSBCLIVD9dUH-uxo_qWbQ_rXMdOFIPZnE64NO7q_3AZqhLICgm2Oc1ZRDSV4AaCpoKo_QBpwoiBwhX5cQlkA3RUhUiKbe7wT8GNSc2Xa-8Ax9Zh5QwL95aaJrV2yo4uYmOQYN7KT_gz4cDekNe_3eAcIAjnDBE71m4TOmszrI9Lp5QNXLKvvbEE2SCmFJW-zdJw9IgaE6FK143Py_a4YF3w0PT9Wlh5yyekG69Uwn7bgNBwc627x7HMZA8H_df6ue6OzzZ4UTarSZI30gmya7pDSCxZU1kDFytXr-JRtj87qBqyS4YY_GtJ-LoaTyiGCQQ";

/// The RSA public exponent of the test key (65537), base64url without padding.
pub const JWK_E: &str = "AQAB";

/// The PUBLIC TEST private key (RSA-2048, PKCS#8 PEM).
const TEST_PRIVATE_KEY_PEM: &[u8] = include_bytes!("test_key.pem");

static SIGNING_KEY: LazyLock<Result<EncodingKey, String>> = LazyLock::new(|| {
    EncodingKey::from_rsa_pem(TEST_PRIVATE_KEY_PEM).map_err(|error| error.to_string())
});

/// Signs `claims` as an RS256 JWT with the test key.
pub fn sign<T: Serialize>(claims: &T) -> Result<String, AuthError> {
    let key = SIGNING_KEY
        .as_ref()
        .map_err(|error| server_error(format!("the mock's signing key is unusable: {error}")))?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KEY_ID.to_owned());
    jsonwebtoken::encode(&header, claims, key)
        .map_err(|error| server_error(format!("signing a token failed: {error}")))
}

/// The JSON Web Key Set served at `/.well-known/jwks.json`.
pub fn jwks() -> Value {
    json!({
        "keys": [{
            "alg": "RS256",
            "kty": "RSA",
            "use": "sig",
            "n": JWK_N,
            "e": JWK_E,
            "kid": KEY_ID,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn a_signed_token_verifies_against_the_published_components() {
        let token = sign(&json!({"sub": "x", "exp": 4_000_000_000u64})).unwrap();
        let key = DecodingKey::from_rsa_components(JWK_N, JWK_E).unwrap();
        let data = jsonwebtoken::decode::<Value>(&token, &key, &Validation::new(Algorithm::RS256))
            .unwrap();
        assert_eq!(data.claims["sub"], "x");
        assert_eq!(data.header.kid.as_deref(), Some(KEY_ID));
    }
}
