//! Shared test accounts: a file lock per existing account a trial uses, so that parallel trials (threads,
//! or nextest's one process per trial) never read each other's codes.

use crate::scenario::References;
use crate::targets::identities::is_session_identity;
use crate::targets::{OtpSource, TargetConfig, TargetKind};

/// Takes an exclusive lock (a file lock, so it also holds across processes) on every existing test account
/// the scenario's templates name, in a fixed order so trials never deadlock. Identities made unique per trial
/// need none, and neither does the mock with its own outbox (every trial has its own tenant).
pub(crate) fn lock_shared_accounts(
    references: &References,
    target: &TargetConfig,
) -> std::io::Result<Vec<std::fs::File>> {
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
        TargetKind::Remote(remote) => remote
            .users
            .get(role)
            .is_some_and(|user| user.unique_email && user.phone_number.is_none()),
    };
    let folder = std::env::temp_dir().join("passwordless-conformance-locks");
    let mut locks = Vec::new();
    // `user_roles` is sorted: every trial takes its locks in the same order.
    for role in references
        .user_roles()
        .into_iter()
        .filter(|role| !unique(role))
    {
        std::fs::create_dir_all(&folder)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(folder.join(format!("{}--{role}.lock", target.name)))?;
        file.lock()?;
        locks.push(file);
    }
    Ok(locks)
}
