//! The injected clock: a start time plus an offset that tests (and the control API) move forward.
//! The start is either real time, read afresh on every call (the standalone mock, which apps and
//! SDKs compare with their own clocks), or one instant frozen when the clock was made (the mock a
//! trial or a test starts), so that only `advance` moves it and a check placed one second before
//! an expiry can never be overtaken by a slow machine.
//!
//! Every expiry in the mock (codes, authorization codes, token `iat`/`exp`, outbox timestamps)
//! reads this clock, so a scenario can let a code expire without sleeping. This module knows
//! nothing of stores or HTTP.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The largest total offset the clock accepts, in seconds (about 100 years).
pub const MAX_OFFSET_SECONDS: u64 = 100 * 365 * 24 * 60 * 60;

/// Wall-clock time shifted forward by an adjustable offset.
#[derive(Debug, Default)]
pub struct Clock {
    offset_seconds: AtomicU64,
    /// `None`: real time; `Some(start)`: time stands still at `start` (whole seconds) until moved.
    frozen_at: Option<SystemTime>,
}

impl Clock {
    /// A clock that reads real time (offset 0).
    pub fn new() -> Clock {
        Clock::default()
    }

    /// A clock that stands still at the current whole second and moves only by [`Clock::advance`].
    pub fn frozen() -> Clock {
        let now = SystemTime::now();
        let whole = now.duration_since(UNIX_EPOCH).map_or(now, |since| {
            UNIX_EPOCH + Duration::from_secs(since.as_secs())
        });
        Clock {
            offset_seconds: AtomicU64::new(0),
            frozen_at: Some(whole),
        }
    }

    /// Whether time stands still between calls to [`Clock::advance`].
    pub fn is_frozen(&self) -> bool {
        self.frozen_at.is_some()
    }

    /// The current mock time.
    pub fn now(&self) -> SystemTime {
        let offset = Duration::from_secs(self.offset_seconds.load(Ordering::SeqCst));
        let start = self.frozen_at.unwrap_or_else(SystemTime::now);
        start.checked_add(offset).unwrap_or(start)
    }

    /// The current mock time in whole seconds since the Unix epoch.
    pub fn unix_now(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs())
    }

    /// Moves the clock forward by `seconds`; the total offset saturates at `MAX_OFFSET_SECONDS` (about 100 years).
    pub fn advance(&self, seconds: u64) {
        // `fetch_update` with a closure that always returns `Some` cannot fail.
        let _ = self
            .offset_seconds
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                Some(offset.saturating_add(seconds).min(MAX_OFFSET_SECONDS))
            });
    }

    /// How far the clock has been moved, in seconds.
    pub fn offset_seconds(&self) -> u64 {
        self.offset_seconds.load(Ordering::SeqCst)
    }

    /// The clock as the control API shows it.
    pub fn reading(&self) -> ClockReading {
        ClockReading {
            now: self.unix_now(),
            offset_seconds: self.offset_seconds(),
        }
    }
}

/// The mock's time, as `GET /__mock/clock` answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockReading {
    /// The current mock time, in Unix seconds.
    pub now: u64,
    /// How far the clock has been moved forward, in seconds.
    pub offset_seconds: u64,
}

/// Formats a time as RFC 3339 with whole seconds, e.g. `2026-01-02T03:04:05Z`.
pub fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward_by_the_given_seconds() {
        let clock = Clock::new();
        let before = clock.unix_now();
        clock.advance(181);
        let after = clock.unix_now();
        assert!(
            (181..=183).contains(&(after - before)),
            "{before} -> {after}"
        );
    }

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let clock = Clock::frozen();
        let start = clock.unix_now();
        assert_eq!(clock.unix_now(), start);
        clock.advance(299);
        assert_eq!(clock.unix_now(), start + 299);
    }

    #[test]
    fn advance_saturates_instead_of_overflowing() {
        let clock = Clock::new();
        clock.advance(u64::MAX);
        clock.advance(u64::MAX);
        assert_eq!(clock.offset_seconds(), MAX_OFFSET_SECONDS);
        assert!(clock.unix_now() > 0);
    }
}
