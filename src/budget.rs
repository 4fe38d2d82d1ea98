//! Request budgets shared by every trial of a process, so parallel trials never exceed a
//! tenant's rate limits.
//!
//! Takes a profile's [`RateBudget`]s and a request path; [`acquire`] waits until the matching
//! token buckets (one per endpoint per profile) have a request to spare and says how long it
//! waited. Buckets live for the whole process: every trial of one `cargo test` or `run` draws on
//! the same ones. It knows nothing of HTTP clients or scenarios.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::targets::RateBudget;

struct Bucket {
    tokens: f64,
    refilled_at: Instant,
    burst: f64,
    per_second: f64,
}

impl Bucket {
    fn new(budget: &RateBudget) -> Bucket {
        Bucket {
            tokens: f64::from(budget.burst),
            refilled_at: Instant::now(),
            burst: f64::from(budget.burst),
            per_second: budget.per_second,
        }
    }

    /// Takes one request if there is one; otherwise how long until there will be.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / self.per_second,
            ))
        }
    }
}

fn buckets() -> &'static Mutex<HashMap<String, Bucket>> {
    static BUCKETS: OnceLock<Mutex<HashMap<String, Bucket>>> = OnceLock::new();
    BUCKETS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Whether `budget` applies to a request for `path` (its query string ignored).
pub fn applies(budget: &RateBudget, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let path = match url::Url::parse(path) {
        Ok(url) => url.path().to_owned(),
        Err(_) => path.to_owned(),
    };
    budget.endpoint == "*" || budget.endpoint == path
}

/// Waits until every budget of `profile` that covers `path` allows one more request; gives the
/// time spent waiting.
pub async fn acquire(profile: &str, budgets: &[RateBudget], path: &str) -> Duration {
    let mut waited = Duration::ZERO;
    for budget in budgets.iter().filter(|budget| applies(budget, path)) {
        let key = format!("{profile}\u{0}{}", budget.endpoint);
        loop {
            let verdict = {
                let mut buckets = buckets()
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                buckets
                    .entry(key.clone())
                    .or_insert_with(|| Bucket::new(budget))
                    .take(Instant::now())
            };
            match verdict {
                Ok(()) => break,
                Err(wait) => {
                    tokio::time::sleep(wait).await;
                    waited += wait;
                }
            }
        }
    }
    waited
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(endpoint: &str, burst: u32, per_second: f64) -> RateBudget {
        RateBudget {
            endpoint: endpoint.to_owned(),
            burst,
            per_second,
        }
    }

    #[test]
    fn a_bucket_spends_its_burst_then_refills_at_its_rate() {
        let start = Instant::now();
        let mut bucket = Bucket::new(&budget("/x", 2, 10.0));
        assert!(bucket.take(start).is_ok());
        assert!(bucket.take(start).is_ok());
        let wait = bucket.take(start).unwrap_err();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-6, "{wait:?}");
        assert!(bucket.take(start + Duration::from_millis(100)).is_ok());
    }

    #[test]
    fn budgets_match_paths_without_their_query() {
        assert!(applies(
            &budget("/passwordless/start", 1, 1.0),
            "/passwordless/start?x=1"
        ));
        assert!(applies(
            &budget("/oauth/token", 1, 1.0),
            "https://t.test/oauth/token"
        ));
        assert!(applies(&budget("*", 1, 1.0), "/anything"));
        assert!(!applies(
            &budget("/oauth/token", 1, 1.0),
            "/passwordless/start"
        ));
    }

    #[tokio::test]
    async fn trials_share_one_bucket_per_profile_and_endpoint() {
        let budgets = [budget("/shared", 1, 1000.0)];
        assert_eq!(
            acquire("p-share", &budgets, "/shared").await,
            Duration::ZERO
        );
        // The bucket is empty now; the next caller (any trial) waits for a refill.
        assert!(acquire("p-share", &budgets, "/shared").await > Duration::ZERO);
        // Another profile has its own bucket.
        assert_eq!(
            acquire("p-other", &budgets, "/shared").await,
            Duration::ZERO
        );
    }
}
