//! Auth0's rate limits, emulated with token buckets and scaled so that tests run fast.
//!
//! Takes the tenant fixture's optional [`RateLimits`] and, for every request to the Auth0
//! surface, its path, client IP and arrival time; gives a [`Decision`]: allowed or not, and the
//! figures of the `X-RateLimit-*` headers, which the rate-limit layer (`layers.rs`) writes and
//! turns into a 429 `too_many_requests` when the endpoint's bucket is empty. The control API
//! (`/__mock/...`) is never limited. Without `rate_limits:` in the fixture nothing is limited
//! and no header is added. This module knows nothing of HTTP.
//!
//! A bucket holds `burst` requests and refills continuously at the endpoint's rate times
//! `scale` (so `scale: 3600` turns 50 per hour into 50 per second); a new bucket starts full.
//! There is one bucket per endpoint for `key: any` and one per endpoint and client IP for
//! `key: ip` (the peer address of the connection; `auth0-forwarded-for` is not honoured, and
//! requests without a peer address, such as tower `oneshot` calls, share one bucket). Buckets
//! run on the REAL clock, never the injected one: clients sleep in real time. Every take
//! happens under one lock, so N concurrent requests against a bucket of B get exactly
//! `min(N, B)` answers that are not 429 (give or take what refills meanwhile).
//!
//! Headers (their meaning for a token bucket is a guess; evidence `wire.rate_limited`):
//! - `X-RateLimit-Limit`: the burst.
//! - `X-RateLimit-Remaining`: whole requests left after this one.
//! - `X-RateLimit-Reset`: Unix seconds (real clock) when the bucket will be FULL again, rounded
//!   up, so it is never early: a client that sleeps until then can send a whole burst.
//! - `Retry-After` (only with `retry_after: true`, only on a 429): seconds until the next
//!   request is allowed, with three decimals (`0.021`), rounded up to the millisecond. Decimal
//!   seconds are not RFC 9110's integer `delay-seconds`, but a scaled bucket refills in
//!   milliseconds; Auth0 has not been seen sending `Retry-After` at all.
//!
//! A response that already carries `X-RateLimit-Limit` (the MFA failure limits' 429) keeps its
//! own headers (see `layers.rs`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::lock::lock;
use super::paths::is_control_path;

/// The tenant fixture's `rate_limits:`.
///
/// ```yaml
/// rate_limits:
///   scale: 3600.0
///   retry_after: false
///   endpoints:
///     /passwordless/start: { burst: 50, per_hour: 50, key: ip }
///     /oauth/token: { burst: 30, per_second: 30, key: any }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// How much faster buckets refill than the configured rates (the burst is not scaled).
    /// The default value is 1.0 (Auth0's real speed).
    #[serde(default = "default_scale")]
    pub scale: f64,
    /// Whether a 429 carries `Retry-After` (decimal seconds until the next allowed request).
    /// The default value is `false`: Auth0 is not known to send it.
    #[serde(default)]
    pub retry_after: bool,
    /// The limited endpoints, by path: an exact path such as `/oauth/token`, or a route with a
    /// `{parameter}` segment such as `/mfa/authenticators/{id}`. The first matching entry
    /// applies. Paths under `/__mock/` are refused.
    pub endpoints: IndexMap<String, EndpointLimit>,
}

/// The limit of one endpoint: a burst and exactly one of `per_second`, `per_minute`, `per_hour`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointLimit {
    /// The bucket size: requests allowed at once (`X-RateLimit-Limit`). At least 1.
    pub burst: u32,
    /// The refill rate in requests per second, before scaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_second: Option<f64>,
    /// The refill rate in requests per minute, before scaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_minute: Option<f64>,
    /// The refill rate in requests per hour, before scaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_hour: Option<f64>,
    /// Who shares a bucket. The default value is `any` (one bucket for the endpoint).
    #[serde(default)]
    pub key: LimitKey,
}

/// Who shares a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKey {
    /// Every request to the endpoint (`tenant` is accepted as another name).
    #[default]
    #[serde(alias = "tenant")]
    Any,
    /// Requests from one client IP address.
    Ip,
}

impl RateLimits {
    /// The first endpoint entry whose path matches `path`, with its index.
    fn endpoint(&self, path: &str) -> Option<(usize, &EndpointLimit)> {
        self.endpoints
            .iter()
            .enumerate()
            .find(|(_, (pattern, _))| path_matches(pattern, path))
            .map(|(idx, (_, limit))| (idx, limit))
    }

    /// Checks what serde cannot; the error is a needle to point at and a message.
    pub(super) fn check(&self) -> Result<(), (&str, String)> {
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return Err((
                "scale",
                format!(
                    "`rate_limits.scale` is {}, expected a positive number",
                    self.scale
                ),
            ));
        }
        for (path, limit) in &self.endpoints {
            if !path.starts_with('/') {
                return Err((
                    path,
                    format!("rate-limited endpoint `{path}` must be a path starting with `/`"),
                ));
            }
            if is_control_path(path) {
                return Err((
                    path,
                    format!(
                        "rate-limited endpoint `{path}` is part of the control API, which is never limited"
                    ),
                ));
            }
            if limit.burst == 0 {
                return Err((
                    path,
                    format!("rate-limited endpoint `{path}` has `burst` 0, expected at least 1"),
                ));
            }
            let rates = [limit.per_second, limit.per_minute, limit.per_hour];
            match rates.iter().flatten().collect::<Vec<_>>().as_slice() {
                [rate] if rate.is_finite() && **rate > 0.0 => {}
                [rate] => {
                    return Err((
                        path,
                        format!(
                            "rate-limited endpoint `{path}` has rate {rate}, expected a positive number"
                        ),
                    ));
                }
                _ => {
                    return Err((
                        path,
                        format!(
                            "rate-limited endpoint `{path}` needs exactly one of `per_second`, `per_minute`, `per_hour`"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl EndpointLimit {
    /// Unscaled refill rate in requests per second.
    fn per_second(&self) -> f64 {
        self.per_second
            .or(self.per_minute.map(|rate| rate / 60.0))
            .or(self.per_hour.map(|rate| rate / 3600.0))
            .unwrap_or(0.0)
    }
}

/// Whether `path` matches `pattern`, where a `{name}` segment matches any non-empty segment.
fn path_matches(pattern: &str, path: &str) -> bool {
    if pattern == path {
        return true;
    }
    let mut pattern_segments = pattern.split('/');
    let mut path_segments = path.split('/');
    loop {
        match (pattern_segments.next(), path_segments.next()) {
            (None, None) => return true,
            (Some(wanted), Some(got)) => {
                let wildcard = wanted.starts_with('{') && wanted.ends_with('}');
                if !(wanted == got || (wildcard && !got.is_empty())) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// The token buckets of one mock tenant.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<(usize, Option<IpAddr>), Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

/// What the limiter decided for one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// Whether the request may go on (else 429).
    pub allowed: bool,
    /// The burst.
    pub limit: u32,
    /// Whole requests left after this one.
    pub remaining: u32,
    /// How long until the bucket is full again.
    pub full_in: Duration,
    /// How long until the next request is allowed (zero when one is allowed now).
    pub next_in: Duration,
}

impl RateLimiter {
    /// Takes one request from the bucket of the endpoint matching `path` (and of `ip` when the
    /// endpoint is keyed by IP) at `now`; `None` when the endpoint is not limited.
    pub fn take(
        &self,
        limits: &RateLimits,
        path: &str,
        ip: Option<IpAddr>,
        now: Instant,
    ) -> Option<Decision> {
        let (idx, limit) = limits.endpoint(path)?;
        let burst = f64::from(limit.burst);
        let rate = limit.per_second() * limits.scale;
        let key = match limit.key {
            LimitKey::Any => (idx, None),
            LimitKey::Ip => (idx, ip.map(|ip| ip.to_canonical())),
        };
        let mut buckets = lock(&self.buckets);
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            refilled_at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.refilled_at);
        bucket.tokens = (bucket.tokens + elapsed.as_secs_f64() * rate).min(burst);
        bucket.refilled_at = now;
        let allowed = bucket.tokens >= 1.0;
        if allowed {
            bucket.tokens -= 1.0;
        }
        let tokens = bucket.tokens;
        drop(buckets);
        let seconds = |missing: f64| Duration::try_from_secs_f64(missing.max(0.0) / rate);
        Some(Decision {
            allowed,
            limit: limit.burst,
            // Truncation is the point: a fraction of a token is no request.
            remaining: tokens.floor() as u32,
            full_in: seconds(burst - tokens).unwrap_or(Duration::MAX),
            next_in: seconds(1.0 - tokens).unwrap_or(Duration::MAX),
        })
    }
}

impl Decision {
    /// When the bucket is full again, in Unix seconds on the real clock, rounded up so that it
    /// is never early (`X-RateLimit-Reset`).
    pub fn reset_unix_seconds(&self, now: SystemTime) -> u64 {
        reset_unix_seconds(now, self.full_in)
    }

    /// Seconds until the next request is allowed, rounded up to the millisecond, as
    /// `Retry-After` writes them (`0.021`).
    pub fn retry_after_text(&self) -> String {
        let millis = self.next_in.as_nanos().div_ceil(1_000_000);
        format!("{}.{:03}", millis / 1000, millis % 1000)
    }
}

/// `now + after` in Unix seconds, rounded up.
fn reset_unix_seconds(now: SystemTime, after: Duration) -> u64 {
    let at = now
        .checked_add(after)
        .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
        .unwrap_or(Duration::MAX);
    at.as_secs()
        .saturating_add(u64::from(at.subsec_nanos() > 0))
}

fn default_scale() -> f64 {
    1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(yaml: &str) -> RateLimits {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn route_patterns_match_one_segment_per_parameter() {
        assert!(path_matches("/oauth/token", "/oauth/token"));
        assert!(path_matches(
            "/mfa/authenticators/{id}",
            "/mfa/authenticators/totp|dev_1"
        ));
        assert!(!path_matches(
            "/mfa/authenticators/{id}",
            "/mfa/authenticators/"
        ));
        assert!(!path_matches(
            "/mfa/authenticators/{id}",
            "/mfa/authenticators"
        ));
        assert!(!path_matches("/oauth/token", "/oauth/token/x"));
    }

    #[test]
    fn a_bucket_empties_then_refills_at_the_scaled_rate() {
        let limits = limits("scale: 3600\nendpoints:\n  /x: { burst: 2, per_hour: 1 }\n");
        let limiter = RateLimiter::default();
        let start = Instant::now();
        let first = limiter.take(&limits, "/x", None, start).unwrap();
        assert!(first.allowed);
        assert_eq!((first.limit, first.remaining), (2, 1));
        assert_eq!(first.full_in, Duration::from_secs(1));
        let second = limiter.take(&limits, "/x", None, start).unwrap();
        assert_eq!((second.allowed, second.remaining), (true, 0));
        let third = limiter.take(&limits, "/x", None, start).unwrap();
        assert!(!third.allowed);
        assert_eq!(third.next_in, Duration::from_secs(1));
        assert_eq!(third.full_in, Duration::from_secs(2));
        let later = start + Duration::from_millis(1500);
        let fourth = limiter.take(&limits, "/x", None, later).unwrap();
        assert_eq!((fourth.allowed, fourth.remaining), (true, 0));
        assert!(limiter.take(&limits, "/y", None, later).is_none());
    }

    #[test]
    fn ip_keys_get_a_bucket_each_and_any_keys_share_one() {
        let limits = limits(
            "endpoints:\n  /ip: { burst: 1, per_hour: 1, key: ip }\n  /all: { burst: 1, per_hour: 1, key: tenant }\n",
        );
        let limiter = RateLimiter::default();
        let now = Instant::now();
        let (a, b) = (
            Some(IpAddr::from([10, 0, 0, 1])),
            Some(IpAddr::from([10, 0, 0, 2])),
        );
        assert!(limiter.take(&limits, "/ip", a, now).unwrap().allowed);
        assert!(!limiter.take(&limits, "/ip", a, now).unwrap().allowed);
        assert!(limiter.take(&limits, "/ip", b, now).unwrap().allowed);
        assert!(limiter.take(&limits, "/all", a, now).unwrap().allowed);
        assert!(!limiter.take(&limits, "/all", b, now).unwrap().allowed);
    }

    #[test]
    fn retry_after_is_decimal_seconds_rounded_up_to_the_millisecond() {
        let decision = Decision {
            allowed: false,
            limit: 5,
            remaining: 0,
            full_in: Duration::from_secs(2),
            next_in: Duration::from_micros(20_500),
        };
        assert_eq!(decision.retry_after_text(), "0.021");
    }

    #[test]
    fn reset_rounds_up_to_whole_seconds() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(reset_unix_seconds(now, Duration::ZERO), 1_000);
        assert_eq!(reset_unix_seconds(now, Duration::from_millis(1)), 1_001);
        assert_eq!(reset_unix_seconds(now, Duration::from_millis(1000)), 1_001);
    }

    #[test]
    fn fixture_mistakes_are_refused() {
        let problem = |yaml: &str| limits(yaml).check().unwrap_err().1;
        assert!(
            problem("endpoints:\n  /x: { burst: 1 }\n").contains("exactly one of `per_second`")
        );
        assert!(
            problem("endpoints:\n  /x: { burst: 1, per_second: 1, per_hour: 1 }\n")
                .contains("exactly one of")
        );
        assert!(problem("endpoints:\n  /x: { burst: 0, per_second: 1 }\n").contains("`burst` 0"));
        assert!(
            problem("endpoints:\n  /__mock/outbox: { burst: 1, per_second: 1 }\n")
                .contains("control API")
        );
        assert!(
            problem("endpoints:\n  oauth/token: { burst: 1, per_second: 1 }\n").contains("`/`")
        );
        assert!(problem("scale: 0\nendpoints: {}\n").contains("positive"));
        assert!(problem("endpoints:\n  /x: { burst: 1, per_second: -1 }\n").contains("positive"));
    }
}
