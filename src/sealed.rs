//! Auth0's sealed tokens, and how long a run measured them to live.
//!
//! An `mfa_token` or `oob_code` is an Iron seal: eight `*`-separated parts, the sixth its expiry
//! in Unix milliseconds (evidence `tokens.sealed`). Takes a token and the `Date` of the response
//! that carried it; [`lifetime`] gives expiry minus `Date`, the token's lifetime as the tenant set
//! it (to the second: `Date` has no fractions). [`record`] adds one to the process's tally and
//! [`measured`] gives the tally, so one run against a tenant settles lifetimes no document states
//! (`run` prints it). Nothing here prints or knows where tokens come from.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The response fields that carry sealed tokens whose lifetime is worth measuring.
pub const SEALED_FIELDS: [&str; 2] = ["mfa_token", "oob_code"];

/// The expiry a sealed token carries, if `token` is one (`Fe26.2*…`, eight parts, the sixth a
/// number of milliseconds).
pub fn expiry(token: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = token.split('*').collect();
    if parts.len() != 8 || !parts[0].starts_with("Fe26.") {
        return None;
    }
    let millis: u64 = parts[5].parse().ok()?;
    UNIX_EPOCH.checked_add(Duration::from_millis(millis))
}

/// How long `token` lives, from `date` (the HTTP `Date` header of the response that carried it)
/// to its expiry, in whole seconds; `None` when either cannot be read or the token expired before
/// it was sent.
pub fn lifetime(token: &str, date: &str) -> Option<u64> {
    let expires = expiry(token)?;
    let sent = httpdate::parse_http_date(date).ok()?;
    expires
        .duration_since(sent)
        .ok()
        .map(|lifetime| lifetime.as_secs())
}

/// The lifetimes seen for one field, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// How many tokens.
    pub count: usize,
    /// The shortest lifetime.
    pub min: u64,
    /// The longest lifetime.
    pub max: u64,
}

/// Lifetimes measured in this process, by field (`mfa_token`, `oob_code`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measured(pub BTreeMap<String, Seen>);

impl Measured {
    /// Whether nothing was measured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Measured {
    /// `mfa_token 600 s (12 tokens), oob_code 300 s (4 tokens)`; a range when they differ.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (field, seen)) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            let plural = if seen.count == 1 { "" } else { "s" };
            if seen.min == seen.max {
                write!(f, "{field} {} s ({} token{plural})", seen.min, seen.count)?;
            } else {
                write!(
                    f,
                    "{field} {}–{} s ({} token{plural})",
                    seen.min, seen.max, seen.count
                )?;
            }
        }
        Ok(())
    }
}

fn tally() -> &'static Mutex<Measured> {
    static TALLY: OnceLock<Mutex<Measured>> = OnceLock::new();
    TALLY.get_or_init(Mutex::default)
}

/// Adds one token's lifetime to the process's tally.
pub fn record(field: &str, lifetime_seconds: u64) {
    let mut tally = tally()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    tally
        .0
        .entry(field.to_owned())
        .and_modify(|seen| {
            seen.count += 1;
            seen.min = seen.min.min(lifetime_seconds);
            seen.max = seen.max.max(lifetime_seconds);
        })
        .or_insert(Seen {
            count: 1,
            min: lifetime_seconds,
            max: lifetime_seconds,
        });
}

/// What the process measured so far.
pub fn measured() -> Measured {
    tally()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of a recorded `oob_code` (evidence `tokens.sealed`), random parts shortened.
    const RECORDED: &str =
        "Fe26.2*SERVER_1694679013*def8*t7bZ0gpcMM6L-f1jbS064g*45jI*1702398000157*e7f9*thX4";

    #[test]
    fn the_sixth_part_is_the_expiry_in_milliseconds() {
        let expires = expiry(RECORDED).unwrap();
        assert_eq!(
            expires.duration_since(UNIX_EPOCH).unwrap(),
            Duration::from_millis(1_702_398_000_157)
        );
        assert_eq!(expiry("Fe26.2*a*b"), None);
        assert_eq!(expiry("Fe26.2*a*b*c*d*soon*e*f"), None);
        assert_eq!(expiry("eyJ0*a*b*c*d*1*e*f"), None);
    }

    #[test]
    fn a_lifetime_runs_from_the_date_header_to_the_expiry() {
        // 1702398000157 ms is Tue, 12 Dec 2023 16:20:00.157 GMT.
        assert_eq!(
            lifetime(RECORDED, "Tue, 12 Dec 2023 16:10:00 GMT"),
            Some(600)
        );
        assert_eq!(lifetime(RECORDED, "Tue, 12 Dec 2023 16:30:00 GMT"), None);
        assert_eq!(lifetime(RECORDED, "yesterday"), None);
    }

    #[test]
    fn the_tally_shows_ranges_and_counts() {
        let mut tally = Measured::default();
        tally.0.insert(
            "mfa_token".to_owned(),
            Seen {
                count: 2,
                min: 599,
                max: 600,
            },
        );
        tally.0.insert(
            "oob_code".to_owned(),
            Seen {
                count: 1,
                min: 300,
                max: 300,
            },
        );
        assert_eq!(
            tally.to_string(),
            "mfa_token 599–600 s (2 tokens), oob_code 300 s (1 token)"
        );
        record("test_only_field", 5);
        record("test_only_field", 7);
        assert_eq!(
            measured().0["test_only_field"],
            Seen {
                count: 2,
                min: 5,
                max: 7
            }
        );
    }
}
