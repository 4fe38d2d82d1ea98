//! Which request paths belong to the control API (`/__mock/...`) rather than to Auth0's surface.
//!
//! The rate-limit and latency layers leave the control API alone, and a fixture may not limit
//! it; they ask here. This module knows nothing else.

/// The prefix of every control-API path.
pub const CONTROL_PREFIX: &str = "/__mock";

/// Whether `path` belongs to the control API (`/__mock` and everything under it).
pub fn is_control_path(path: &str) -> bool {
    path.strip_prefix(CONTROL_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
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
}
