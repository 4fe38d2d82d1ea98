//! The token-signing keys of the mock and the JWKS that publishes them.
//!
//! WARNING: `test_keys/` holds PUBLIC TEST KEYS, committed to the repository on purpose so that
//! tokens are reproducible to verify. Anyone can sign tokens with them. Never trust a token
//! signed by them outside tests, and never reuse them anywhere. Their key ids say so.
//!
//! Like a real tenant's JWKS (evidence `discovery.jwks`) there are two keys, the current one
//! (which signs) and the next; each entry carries `x5c`, its self-signed certificate in standard
//! base64, and `x5t`, the base64url SHA-1 of that certificate. `n` and `e` are read from the
//! certificate's key as parsed by aws-lc-rs. The signing key is parsed ONCE into a ready key
//! pair (parsing and validating an RSA key costs more than a signature), and tokens are signed
//! with it directly: base64url header and claims, RS256 over them.

use std::sync::LazyLock;

use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use serde_json::{Value, json};

use super::errors::{AuthError, server_error};

/// The key id of the signing key (the `kid` of every token).
pub const KEY_ID: &str = "mock-test-key-1-public-do-not-trust";

/// The key id of the published next key, which signs nothing.
pub const NEXT_KEY_ID: &str = "mock-test-key-2-public-do-not-trust";

/// The PUBLIC TEST keys (RSA-2048, PKCS#8 PEM) and their certificates, current first.
const KEYS: [(&str, &str, &str); 2] = [
    (
        KEY_ID,
        include_str!("test_keys/key_1.pem"),
        include_str!("test_keys/cert_1.pem"),
    ),
    (
        NEXT_KEY_ID,
        include_str!("test_keys/key_2.pem"),
        include_str!("test_keys/cert_2.pem"),
    ),
];

/// A parsed test key: the key pair and its JWKS entry.
struct TestKey {
    pair: RsaKeyPair,
    jwk: Value,
}

/// Both keys, parsed once; an error says which file is broken.
static TEST_KEYS: LazyLock<Result<Vec<TestKey>, String>> = LazyLock::new(|| {
    KEYS.iter()
        .map(|(kid, key_pem, cert_pem)| parse(kid, key_pem, cert_pem))
        .collect()
});

fn parse(kid: &str, key_pem: &str, cert_pem: &str) -> Result<TestKey, String> {
    let key_der = pem_body(key_pem).ok_or_else(|| format!("key `{kid}` is not PEM"))?;
    let pair = RsaKeyPair::from_pkcs8(&key_der)
        .map_err(|error| format!("key `{kid}` is unusable: {error}"))?;
    let cert_der =
        pem_body(cert_pem).ok_or_else(|| format!("certificate of `{kid}` is not PEM"))?;
    let public = pair.public_key();
    let jwk = json!({
        "kty": "RSA",
        "use": "sig",
        "n": URL_SAFE_NO_PAD.encode(trim_zeros(public.modulus().big_endian_without_leading_zero())),
        "e": URL_SAFE_NO_PAD.encode(trim_zeros(public.exponent().big_endian_without_leading_zero())),
        "kid": kid,
        "x5t": URL_SAFE_NO_PAD.encode(digest(&SHA1_FOR_LEGACY_USE_ONLY, &cert_der)),
        "x5c": [STANDARD.encode(&cert_der)],
        "alg": "RS256",
    });
    Ok(TestKey { pair, jwk })
}

fn trim_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// The DER bytes of the one block of a PEM text.
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body.trim()).ok()
}

fn keys() -> Result<&'static [TestKey], AuthError> {
    TEST_KEYS
        .as_deref()
        .map_err(|error| server_error(&format!("the mock's signing keys are unusable: {error}")))
}

/// Signs `claims` as an RS256 JWT with the current test key.
pub fn sign<T: Serialize>(claims: &T) -> Result<String, AuthError> {
    let keys = keys()?;
    let Some(key) = keys.first() else {
        return Err(server_error("the mock has no signing key"));
    };
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": KEY_ID});
    let message = format!("{}.{}", base64_json(&header)?, base64_json(claims)?);
    let mut signature = vec![0; key.pair.public_modulus_len()];
    key.pair
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            message.as_bytes(),
            &mut signature,
        )
        .map_err(|_| server_error("signing a token failed"))?;
    Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// A value as base64url JSON, a part of a compact JWS.
fn base64_json<T: Serialize + ?Sized>(value: &T) -> Result<String, AuthError> {
    serde_json::to_vec(value)
        .map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
        .map_err(|error| server_error(&format!("cannot write a token: {error}")))
}

/// The JSON Web Key Set served at `/.well-known/jwks.json`: both test keys, current first.
pub fn jwks() -> Result<Value, AuthError> {
    let keys: Vec<Value> = keys()?.iter().map(|key| key.jwk.clone()).collect();
    Ok(json!({ "keys": keys }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    #[test]
    fn a_signed_token_verifies_against_the_first_published_key() {
        let token = sign(&json!({"sub": "x", "exp": 4_000_000_000u64})).unwrap();
        let jwks = jwks().unwrap();
        let first = &jwks["keys"][0];
        let key = DecodingKey::from_rsa_components(
            first["n"].as_str().unwrap(),
            first["e"].as_str().unwrap(),
        )
        .unwrap();
        let data = jsonwebtoken::decode::<Value>(&token, &key, &Validation::new(Algorithm::RS256))
            .unwrap();
        assert_eq!(data.claims["sub"], "x");
        assert_eq!(data.header.kid.as_deref(), Some(KEY_ID));
        assert_eq!(first["kid"], KEY_ID);
    }

    #[test]
    fn the_jwks_has_two_keys_with_members_in_the_recorded_order() {
        let jwks = jwks().unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        for key in keys {
            let members: Vec<&String> = key.as_object().unwrap().keys().collect();
            assert_eq!(
                members,
                ["kty", "use", "n", "e", "kid", "x5t", "x5c", "alg"]
            );
            assert!(key["kid"].as_str().unwrap().contains("public-do-not-trust"));
        }
        assert_ne!(keys[0]["n"], keys[1]["n"]);
    }

    #[test]
    fn each_certificate_carries_its_key_and_its_thumbprint() {
        for key in jwks().unwrap()["keys"].as_array().unwrap() {
            let cert = STANDARD.decode(key["x5c"][0].as_str().unwrap()).unwrap();
            let modulus = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
            assert!(
                cert.windows(modulus.len()).any(|window| window == modulus),
                "the certificate of {} does not hold its modulus",
                key["kid"]
            );
            let thumbprint = URL_SAFE_NO_PAD.encode(digest(&SHA1_FOR_LEGACY_USE_ONLY, &cert));
            assert_eq!(key["x5t"], thumbprint);
        }
    }
}
