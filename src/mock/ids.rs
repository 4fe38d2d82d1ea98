//! Random identifiers, codes and secrets, and comparing secrets without leaking timing.
//!
//! Takes nothing but a length; gives user ids, `_id`s, authorization codes, refresh tokens, OTP
//! and binding codes, device ids, recovery codes, TOTP secrets, push enrolment ids and
//! Iron-sealed-looking tokens.
//! All come from `rand::rng()`, a ChaCha-based CSPRNG reseeded from the operating system. This
//! module knows nothing of stores or HTTP.

use base64::Engine;
use rand::Rng;

/// The key id of the mock's seals (Auth0's is `SERVER_<unix seconds>` of its key).
const SEAL_KEY_ID: &str = "SERVER_1700000000";

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

/// An opaque string shaped like Auth0's Iron-sealed tokens (evidence `tokens.sealed`): eight
/// `*`-separated parts, the sixth the expiry in Unix milliseconds; the rest is random and means
/// nothing.
pub fn sealed_token(expires_at_unix: u64) -> String {
    format!(
        "Fe26.2*{SEAL_KEY_ID}*{}*{}*{}*{}*{}*{}",
        random_hex(64),
        random_token(16),
        random_token(96),
        expires_at_unix.saturating_mul(1000),
        random_hex(64),
        random_token(32)
    )
}

/// A fresh device id: `dev_` and 16 letters and digits (evidence `tokens.ids`).
pub fn device_id() -> String {
    format!("dev_{}", random_from(MIXED, 16))
}

/// A device id derived from `seed` and a `purpose`: the same inputs give the same id, so twins
/// and verified-e-mail authenticators keep their ids across runs without being stored.
pub fn derived_device_id(purpose: &str, seed: &str) -> String {
    // FNV-1a, twice with different offsets: stable across Rust releases, unlike `DefaultHasher`.
    let fnv = |offset: u64| {
        let mut hash = offset;
        for byte in purpose.bytes().chain([0]).chain(seed.bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash
    };
    let mut bits =
        (u128::from(fnv(0xcbf2_9ce4_8422_2325)) << 64) | u128::from(fnv(0x8422_2325_cbf2_9ce4));
    let mut id = String::with_capacity(20);
    id.push_str("dev_");
    for _ in 0..16 {
        let idx = usize::try_from(bits % 62).unwrap_or_default();
        id.push(char::from(MIXED[idx]));
        bits /= 62;
    }
    id
}

/// A fresh recovery code: 24 characters of 1-9 and A-Z without I and O (evidence
/// `tokens.recovery_code`).
pub fn recovery_code() -> String {
    random_from(b"123456789ABCDEFGHJKLMNPQRSTUVWXYZ", 24)
}

/// A fresh push `enrollment_tx_id`: 32 letters and digits (evidence `mfa.associate.push`).
pub fn enrollment_transaction_id() -> String {
    random_from(MIXED, 32)
}

/// A fresh base32 TOTP secret of 160 bits (32 characters).
pub fn totp_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill(&mut bytes);
    totp_rs::Secret::from(bytes).to_base32()
}

/// Letters and digits.
const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_from(alphabet: &[u8], length: usize) -> String {
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
                .all(|c| (c.is_ascii_uppercase() && c != 'I' && c != 'O')
                    || ('1'..='9').contains(&c))
        );
        let seal = sealed_token(1_702_398_000);
        let parts: Vec<&str> = seal.split('*').collect();
        assert_eq!(parts.len(), 8);
        assert_eq!(parts[0], "Fe26.2");
        assert!(parts[1].starts_with("SERVER_"));
        assert_eq!(parts[5], "1702398000000");
        assert_eq!(parts[3].len(), 22);
        assert_eq!(parts[7].len(), 43);
        assert_ne!(sealed_token(1), sealed_token(1));
        assert_eq!(enrollment_transaction_id().len(), 32);
        let derived = derived_device_id("twin", "dev_a");
        assert_eq!(derived, derived_device_id("twin", "dev_a"));
        assert_ne!(derived, derived_device_id("twin", "dev_b"));
        assert_eq!(derived.len(), 20);
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
