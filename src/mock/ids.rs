//! Random identifiers, codes and secrets, and comparing secrets without leaking timing.
//!
//! Takes nothing but a length; gives user ids, `_id`s, authorization codes, refresh tokens, OTP
//! and binding codes, device ids, recovery codes, TOTP secrets and Iron-sealed-looking tokens.
//! All come from `rand::rng()`, a ChaCha-based CSPRNG reseeded from the operating system. This
//! module knows nothing of stores or HTTP.

use base64::Engine;
use rand::Rng;

/// Every `mfa_token` and `oob_code` starts like an Iron-sealed string.
pub const SEALED_PREFIX: &str = "Fe26.2*";

/// `count` lower-case hex digits, e.g. the 24 of a MongoDB-style `_id`.
pub fn random_hex(count: usize) -> String {
    let mut rng = rand::rng();
    (0..count)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16usize)]))
        .collect()
}

/// An opaque token of `bytes` random bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill(buffer.as_mut_slice());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer)
}

/// `length` decimal digits: one-time codes and binding codes.
pub fn random_digits(length: usize) -> String {
    let mut rng = rand::rng();
    (0..length)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// An opaque string that looks like Auth0's Iron-sealed tokens (`Fe26.2**…`) and means nothing.
pub fn sealed_token() -> String {
    format!(
        "{SEALED_PREFIX}*{}*{}*{}**{}*{}",
        random_hex(64),
        random_token(16),
        random_token(48),
        random_hex(64),
        random_token(32)
    )
}

/// A fresh device id: `dev_` and 16 letters and digits.
pub fn device_id() -> String {
    format!("dev_{}", random_alphanumeric(16, false))
}

/// A fresh recovery code: 24 upper-case letters and digits, like Auth0's.
pub fn recovery_code() -> String {
    random_alphanumeric(24, true)
}

/// A fresh base32 TOTP secret of 160 bits (32 characters).
pub fn totp_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill(&mut bytes);
    totp_rs::Secret::from(bytes).to_base32()
}

fn random_alphanumeric(length: usize, upper_only: bool) -> String {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let alphabet = if upper_only { UPPER } else { MIXED };
    let mut rng = rand::rng();
    (0..length)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// Compares without an early exit, so timing does not reveal how many leading bytes matched.
pub fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |acc, (l, r)| acc | (l ^ r))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_has_the_requested_length_and_alphabet() {
        let id = random_hex(24);
        assert_eq!(id.len(), 24);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn random_tokens_differ() {
        assert_ne!(random_token(32), random_token(32));
        assert_eq!(random_token(32).len(), 43);
    }

    #[test]
    fn codes_have_the_requested_number_of_digits() {
        for length in [1, 4, 6, 12] {
            let code = random_digits(length);
            assert_eq!(code.len(), length);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn generated_secrets_and_codes_have_auth0_shapes() {
        let secret = totp_secret();
        assert_eq!(secret.len(), 32);
        assert!(totp_rs::Secret::try_from_base32(&secret).is_ok());
        let code = recovery_code();
        assert_eq!(code.len(), 24);
        assert!(
            code.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert!(sealed_token().starts_with("Fe26.2**"));
        assert_ne!(sealed_token(), sealed_token());
        let id = device_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("dev_"));
    }

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"123456", b"123456"));
        assert!(!constant_time_eq(b"123456", b"123457"));
        assert!(!constant_time_eq(b"12345", b"123456"));
    }
}
