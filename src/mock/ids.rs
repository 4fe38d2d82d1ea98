//! Random identifiers: user ids, `_id`s, authorization codes, refresh tokens.
//!
//! All come from `rand::rng()`, a CSPRNG seeded by the operating system.

use base64::Engine;
use rand::Rng;

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
}
