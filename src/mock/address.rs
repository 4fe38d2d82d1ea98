//! E-mail addresses and phone numbers: checking, normalising and masking them.
//!
//! Takes the text a client or a fixture sent; gives the mock's one notion of a well-formed
//! address, the key stores file it under, and the masked form the authenticator list shows.
//! This module knows nothing of stores, fixtures or HTTP.

/// `^\+[0-9]{1,15}$`: an E.164 phone number.
pub fn is_e164(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|digits| {
        (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// A deliberately simple address check: `local@domain.tld`, no spaces, one `@`.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// The key an identifier is filed under: e-mail addresses compare case-insensitively.
pub fn normalize_identifier(identifier: &str) -> String {
    identifier.trim().to_lowercase()
}

/// `+15555558730` → `XXXXXXXX8730`: every character but the last four becomes `X` (evidence
/// `mfa.list.mask_phone`).
pub fn mask_phone(phone: &str) -> String {
    let count = phone.chars().count();
    phone
        .chars()
        .enumerate()
        .map(|(idx, c)| if idx + 4 < count { 'X' } else { c })
        .collect()
}

/// `test@example.com` → `****@exam*******`: the local part all stars, the domain its first four
/// characters then stars, each as long as before (evidence `mfa.list.mask_email`).
pub fn mask_email(email: &str) -> String {
    let stars = |text: &str, keep: usize| -> String {
        text.chars()
            .enumerate()
            .map(|(idx, c)| if idx < keep { c } else { '*' })
            .collect()
    };
    match email.split_once('@') {
        Some((local, domain)) => format!("{}@{}", stars(local, 0), stars(domain, 4)),
        None => stars(email, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_numbers_are_plus_and_one_to_fifteen_digits() {
        assert!(is_e164("+15555550100"));
        assert!(is_e164("+1"));
        assert!(is_e164("+123456789012345"));
        assert!(!is_e164("+1234567890123456"));
        assert!(!is_e164("15555550100"));
        assert!(!is_e164("+"));
        assert!(!is_e164("+1 555"));
        assert!(!is_e164("+１２"));
    }

    #[test]
    fn email_check_accepts_plain_addresses_only() {
        assert!(is_email("qa+001@example.com"));
        assert!(!is_email("qa@localhost"));
        assert!(!is_email("qa example@example.com"));
        assert!(!is_email("@example.com"));
        assert!(!is_email("a@b@example.com"));
        assert!(!is_email("a@example."));
    }

    #[test]
    fn phones_are_masked_but_the_last_four_digits() {
        assert_eq!(mask_phone("+15555558730"), "XXXXXXXX8730");
        assert_eq!(mask_phone("+123"), "+123");
    }

    #[test]
    fn emails_keep_four_characters_of_their_domain() {
        assert_eq!(mask_email("test@example.com"), "****@exam*******");
        assert_eq!(mask_email("a@b.co"), "*@b.co");
    }
}
