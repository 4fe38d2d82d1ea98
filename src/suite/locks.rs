//! Shared test accounts: a file lock per existing account a trial uses, so that parallel trials (threads,
//! or nextest's one process per trial) never read each other's codes.
//!
//! A lock file also remembers the TOTP period in which its last holder could have spent the account's
//! authenticator-app code: a tenant accepts each code once (Auth0's MFA API, and the mock like it), so a
//! trial that follows within the same 30-second period waits for the next code instead of failing.

use std::io::{Read as _, Seek as _, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::scenario::{References, TemplateName};
use crate::targets::identities::is_session_identity;
use crate::targets::{OtpSource, TargetConfig, TargetKind};

/// How long a TOTP code lasts: RFC 6238's default, and Auth0's only period.
const TOTP_PERIOD: Duration = Duration::from_secs(30);

/// How long after a period starts its code is used, so clocks a little apart agree on the period.
const TOTP_MARGIN: Duration = Duration::from_millis(500);

/// An exclusive lock on one existing test account, held until dropped.
pub(crate) struct AccountLock {
    file: std::fs::File,
    /// Whether the trial may spend the account's TOTP code: then the period is recorded on release.
    spends_totp: bool,
}

impl Drop for AccountLock {
    fn drop(&mut self) {
        if self.spends_totp {
            // Best effort: a lock file that cannot be written only costs the next trial a failed code.
            let _ = record_totp_period(&mut self.file, totp_period(SystemTime::now()));
        }
    }
}

/// Takes an exclusive lock (a file lock, so it also holds across processes) on every existing test account
/// the scenario's templates name, in a fixed order so trials never deadlock. Identities made unique per trial
/// need none, and neither does the mock with its own outbox (every trial has its own tenant). Under a shard,
/// the shard's own accounts are locked (they are other accounts than the other shards').
pub(crate) fn lock_shared_accounts(
    references: &References,
    target: &TargetConfig,
) -> std::io::Result<Vec<AccountLock>> {
    let own_outbox =
        |source: &Option<OtpSource>| matches!(source, None | Some(OtpSource::MockOutbox));
    if matches!(target.kind, TargetKind::Mock(_))
        && own_outbox(&target.otp_sources.email)
        && own_outbox(&target.otp_sources.sms)
    {
        return Ok(Vec::new());
    }
    let unique = |role: &str| match &target.kind {
        TargetKind::Mock(_) => is_session_identity(role),
        TargetKind::Remote(remote) => remote.users.get(role).is_some_and(|user| {
            (user.email.is_none() || user.unique_email)
                && (user.phone_number.is_none() || user.unique_phone)
                && (user.email.is_some() || user.phone_number.is_some())
        }),
    };
    let folder = std::env::temp_dir().join("passwordless-conformance-locks");
    let scope = match target.shard {
        Some(shard) => format!("{}--{}", target.name, shard.tag()),
        None => target.name.clone(),
    };
    let mut locks = Vec::new();
    // `user_roles` is sorted: every trial takes its locks in the same order.
    for role in references
        .user_roles()
        .into_iter()
        .filter(|role| !unique(role))
    {
        std::fs::create_dir_all(&folder)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(folder.join(format!("{scope}--{role}.lock")))?;
        file.lock()?;
        // A mock starts afresh every trial: only a shared tenant remembers which codes were spent.
        let spends_totp = matches!(target.kind, TargetKind::Remote(_))
            && reads_field(references, role, "totp_secret");
        if spends_totp {
            wait_for_unspent_totp(&mut file)?;
        }
        locks.push(AccountLock { file, spends_totp });
    }
    Ok(locks)
}

/// Whether the templates read `users.<role>.<field>`.
fn reads_field(references: &References, role: &str, field: &str) -> bool {
    references.names.iter().any(|used| {
        matches!(&used.name, TemplateName::User { role: Some(named), field: Some(read) }
            if named == role && read == field)
    })
}

/// The TOTP period `now` falls in (Unix time / 30 s).
fn totp_period(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() / TOTP_PERIOD.as_secs()
}

/// Sleeps until the TOTP period after the one the lock file records, if the current one is it.
fn wait_for_unspent_totp(file: &mut std::fs::File) -> std::io::Result<()> {
    let mut text = String::new();
    file.rewind()?;
    // A lock file written by an older version (empty) or by hand records nothing: no wait.
    if file.read_to_string(&mut text).is_err() {
        return Ok(());
    }
    if let Some(wait) = totp_wait(&text, SystemTime::now()) {
        std::thread::sleep(wait);
    }
    Ok(())
}

/// How long to wait at `now` before the account's TOTP code is one nobody spent, given what its lock
/// file says (`totp_period N`); `None` when no wait is needed.
fn totp_wait(recorded: &str, now: SystemTime) -> Option<Duration> {
    let spent = recorded
        .strip_prefix("totp_period ")
        .and_then(|rest| rest.trim().parse::<u64>().ok())?;
    if totp_period(now) > spent {
        return None;
    }
    let next_start = Duration::from_secs(
        spent
            .saturating_add(1)
            .saturating_mul(TOTP_PERIOD.as_secs()),
    );
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    // Never longer than one period: a record from a clock set far ahead is not worth an hour.
    Some(
        (next_start + TOTP_MARGIN)
            .saturating_sub(now)
            .min(TOTP_PERIOD + TOTP_MARGIN),
    )
}

fn record_totp_period(file: &mut std::fs::File, period: u64) -> std::io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "totp_period {period}")?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_spent_in_this_period_means_waiting_for_the_next() {
        let at = |seconds: u64| UNIX_EPOCH + Duration::from_millis(seconds * 1000);
        // Period 2 is [60 s, 90 s).
        assert_eq!(
            totp_wait("totp_period 2\n", at(70)),
            Some(Duration::from_millis(20_500))
        );
        assert_eq!(
            totp_wait("totp_period 1\n", at(70)),
            None,
            "spent in an earlier period"
        );
        assert_eq!(totp_wait("", at(70)), None, "nothing recorded");
        assert_eq!(totp_wait("totp_period soon", at(70)), None);
        assert_eq!(
            totp_wait("totp_period 999999", at(70)),
            Some(TOTP_PERIOD + TOTP_MARGIN),
            "a record from a clock far ahead costs one period at most"
        );
    }

    #[test]
    fn the_spent_period_is_written_for_the_next_holder() {
        let path = std::env::temp_dir().join(format!("pc-lock-{}.lock", std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        record_totp_period(&mut file, 123_456).unwrap();
        record_totp_period(&mut file, 7).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "totp_period 7\n");
        std::fs::remove_file(&path).unwrap();
    }
}
