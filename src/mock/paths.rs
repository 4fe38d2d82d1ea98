//! What a request path says about its answer: whether it belongs to the control API
//! (`/__mock/...`) rather than to Auth0's surface, and which JSON content type Auth0 writes.
//!
//! The rate-limit and latency layers leave the control API alone, and a fixture may not limit
//! it; the content-type layer asks which endpoints add `charset=utf-8`. This module knows
//! nothing else.

/// The prefix of every control-API path.
pub const CONTROL_PREFIX: &str = "/__mock";

/// Whether `path` belongs to the control API (`/__mock` and everything under it).
pub fn is_control_path(path: &str) -> bool {
    path.strip_prefix(CONTROL_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether Auth0 answers JSON on `path` as `application/json; charset=utf-8` rather than plain
/// `application/json`: `/passwordless/start` and the MFA API do (evidence
/// `wire.content_type.start`, `wire.content_type.mfa`), `/oauth/token` does not
/// (`wire.content_type.token`); discovery is a guess (`wire.content_type.discovery`).
pub fn answers_with_charset(path: &str) -> bool {
    path == "/passwordless/start" || path.starts_with("/mfa/") || path.starts_with("/.well-known/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_prefix_and_paths_under_it_are_control_paths() {
        assert!(is_control_path("/__mock"));
        assert!(is_control_path("/__mock/outbox"));
        assert!(!is_control_path("/__mocking"));
        assert!(!is_control_path("/oauth/token"));
    }

    #[test]
    fn start_and_the_mfa_api_answer_with_a_charset_the_token_endpoint_does_not() {
        assert!(answers_with_charset("/passwordless/start"));
        assert!(answers_with_charset("/mfa/authenticators/x"));
        assert!(!answers_with_charset("/oauth/token"));
        assert!(!answers_with_charset("/__mock/tenant"));
    }
}
