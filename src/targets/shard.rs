//! One shard of a run split across processes or machines (`CONFORMANCE_SHARD=k/n`).
//!
//! Takes the text of `CONFORMANCE_SHARD` and gives a [`Shard`]: which share of the scenario files
//! `run` takes, the suffix that gives each shard its own existing test accounts (a `users:` entry
//! reads `QA_TOTP_SECRET_2` where it says `${QA_TOTP_SECRET}`), and the share of a rate budget the
//! shard may spend, so that `n` shards against one tenant together stay within the profile's
//! budgets. It knows nothing of profiles' other parts, of HTTP or of scenarios.

use std::fmt;
use std::str::FromStr;

/// The environment variable that names the shard.
pub const SHARD_VARIABLE: &str = "CONFORMANCE_SHARD";

/// Shard `index` of `count` (1-based: `2/4` is the second of four).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 1 to `count`.
    pub index: u32,
    /// How many shards share the tenant.
    pub count: u32,
}

/// `CONFORMANCE_SHARD` is not `k/n`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{SHARD_VARIABLE}` is `{value}`, not a shard\nhint: write `k/n` with 1 ≤ k ≤ n ≤ 1000, e.g. `{SHARD_VARIABLE}=2/4` for the second of four shards"
)]
pub struct ShardError {
    /// The value as given.
    pub value: String,
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(value: &str) -> Result<Shard, ShardError> {
        let error = || ShardError {
            value: value.to_owned(),
        };
        let (index, count) = value.trim().split_once('/').ok_or_else(error)?;
        let index: u32 = index.trim().parse().map_err(|_| error())?;
        let count: u32 = count.trim().parse().map_err(|_| error())?;
        if index == 0 || index > count || count > 1000 {
            return Err(error());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The name a shard's own copy of `variable` goes by: `QA_TOTP_SECRET` → `QA_TOTP_SECRET_2`.
    pub fn variable(&self, variable: &str) -> String {
        format!("{variable}_{}", self.index)
    }

    /// Whether the scenario file at `position` (0-based, in discovery order) is this shard's:
    /// files are dealt out in turn, so every shard gets a mix of the folders.
    pub fn takes(&self, position: usize) -> bool {
        let count = usize::try_from(self.count).unwrap_or(1).max(1);
        let index = usize::try_from(self.index).unwrap_or(1);
        position % count == index - 1
    }

    /// This shard's share of a budget of `burst` requests refilled at `per_second`: both divided
    /// by the number of shards (a burst of at least one), so the shards together never spend
    /// more than the whole.
    pub fn share(&self, burst: u32, per_second: f64) -> (u32, f64) {
        let burst = (burst / self.count).max(1);
        (burst, per_second / f64::from(self.count))
    }

    /// A name for things this shard must not share with the others (lock files, stored
    /// secrets): `s2of4`.
    pub fn tag(&self) -> String {
        format!("s{}of{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_read_like_k_of_n() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(" 1 / 1 ".parse(), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/4", "5/4", "2", "a/b", "2/0", "-1/4", "1/1001", ""] {
            let error = bad.parse::<Shard>().unwrap_err();
            assert!(error.to_string().contains("k/n"), "{bad}: {error}");
        }
    }

    #[test]
    fn files_are_dealt_out_so_every_file_has_exactly_one_shard() {
        let shards: Vec<Shard> = (1..=3).map(|index| Shard { index, count: 3 }).collect();
        for position in 0..10 {
            let owners = shards.iter().filter(|shard| shard.takes(position)).count();
            assert_eq!(owners, 1, "file {position}");
        }
        assert!(shards[0].takes(0) && shards[1].takes(1) && shards[2].takes(2));
    }

    #[test]
    fn shares_of_a_budget_never_add_up_to_more_than_the_budget() {
        let shard = Shard { index: 1, count: 4 };
        assert_eq!(shard.share(50, 2.0), (12, 0.5));
        assert_eq!(shard.share(2, 1.0).0, 1, "a burst of at least one");
        assert_eq!(shard.variable("QA_TOTP_SECRET"), "QA_TOTP_SECRET_1");
        assert_eq!(shard.tag(), "s1of4");
    }
}
