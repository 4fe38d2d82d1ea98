//! The whole run: which scenario files exist and how one of them becomes a verdict.
//!
//! Takes the project folders (`scenarios/`, `schemas/`, `snapshots/`) and the target
//! configuration; gives [`discover`] (every scenario file, named by its path under `scenarios/`)
//! and [`Suite::run_file`], which loads one file, gates it on the target's capabilities, runs it
//! on its own tokio runtime and checks its snapshot. The CLI's `run` and `tests/scenarios.rs` are
//! thin loops over these two, so both run exactly the same engine. Nothing here prints.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::runner::{RunCtx, run_scenario};
use crate::scenario::{Capability, load_scenario_file};
use crate::schema::SchemaRegistry;
use crate::snapshot::check_transcript_snapshot;
use crate::targets::{Session, TargetConfig, TargetKind};

/// A scenario file found under `scenarios/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFile {
    /// The path under `scenarios/` with `/` separators: the trial's name.
    pub id: String,
    /// The file on disk.
    pub path: PathBuf,
}

/// The verdict on one scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrialOutcome {
    /// Every step and the snapshot passed.
    Passed,
    /// The target lacks something the scenario needs; the reason says what.
    Ignored(String),
    /// The file did not load, a step failed, or the snapshot differs; the report says how.
    Failed(String),
}

/// A verdict with the time it took.
#[derive(Debug, Clone)]
pub struct TrialReport {
    /// The verdict.
    pub outcome: TrialOutcome,
    /// Wall time of the whole trial.
    pub elapsed: Duration,
    /// Of which spent waiting on rate budgets and `429` answers.
    pub rate_limit_wait: Duration,
}

/// Whether to compare transcripts with committed snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Compare (and, outside CI, let insta write `.snap.new` files for review).
    Check,
    /// Don't.
    Skip,
}

/// Everything the trials of one run share.
pub struct Suite {
    /// `scenarios/`.
    pub scenarios_dir: PathBuf,
    /// `snapshots/`.
    pub snapshots_dir: PathBuf,
    /// The target, or why its configuration is unusable (every trial then fails with it).
    pub target: Result<TargetConfig, String>,
    /// The schemas, or why they could not be loaded (steps that use them fail with it).
    pub schemas: Result<SchemaRegistry, String>,
    /// Whether snapshots are checked.
    pub snapshots: SnapshotMode,
    /// Unique per run, so identities never collide across runs on a shared tenant.
    pub run_id: String,
}

impl Suite {
    /// A suite over the project folder `root` (holding `scenarios/`, `schemas/`, `snapshots/`),
    /// with the target taken from the environment.
    pub fn from_project_dir(root: &Path) -> Suite {
        // insta resolves a relative snapshot path against the source file that asserts; anchor it.
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        Suite {
            scenarios_dir: root.join("scenarios"),
            snapshots_dir: root.join("snapshots"),
            target: TargetConfig::load(&root).map_err(|error| error.to_string()),
            schemas: SchemaRegistry::load(&root.join("schemas")).map_err(|error| error.to_string()),
            snapshots: SnapshotMode::Check,
            run_id: new_run_id(),
        }
    }

    /// The name of the target (for messages), or `?` when its configuration is broken.
    pub fn target_name(&self) -> &str {
        self.target
            .as_ref()
            .map(|target| target.name.as_str())
            .unwrap_or("?")
    }

    /// Runs one scenario file from start to verdict.
    pub fn run_file(&self, file: &ScenarioFile) -> TrialOutcome {
        self.run_file_report(file).outcome
    }

    /// Runs one scenario file and reports the verdict with how long it took and waited.
    pub fn run_file_report(&self, file: &ScenarioFile) -> TrialReport {
        let started = Instant::now();
        let mut rate_limit_wait = Duration::ZERO;
        // A panic anywhere inside the trial fails this trial only, quietly.
        let outcome = crate::guard::catch(|| self.verdict(file, &mut rate_limit_wait))
            .unwrap_or_else(|caught| {
                TrialOutcome::Failed(caught.trial_report(&format!("scenarios/{}", file.id)))
            });
        TrialReport {
            outcome,
            elapsed: started.elapsed(),
            rate_limit_wait,
        }
    }

    fn verdict(&self, file: &ScenarioFile, rate_limit_wait: &mut Duration) -> TrialOutcome {
        let display_path = format!("scenarios/{}", file.id);
        let scenario = match load_scenario_file(&file.path, &display_path) {
            Ok(scenario) => scenario,
            Err(error) => return TrialOutcome::Failed(error.to_string()),
        };
        let target = match &self.target {
            Ok(target) => target,
            Err(error) => return TrialOutcome::Failed(error.clone()),
        };
        let missing: Vec<&Capability> = scenario
            .requires
            .iter()
            .filter(|needed| !target.capabilities().contains(needed))
            .collect();
        if !missing.is_empty() {
            let names: Vec<String> = missing
                .iter()
                .map(|capability| format!("`{}`", capability.as_str()))
                .collect();
            return TrialOutcome::Ignored(format!(
                "target `{}` lacks {} (required by {display_path})",
                target.name,
                names.join(", ")
            ));
        }

        // Existing test accounts (MFA users) are shared by every trial that names them: one
        // trial at a time may use one, or they would read each other's codes.
        let _account_locks = match lock_shared_accounts(&scenario.source.text, target) {
            Ok(locks) => locks,
            Err(error) => {
                return TrialOutcome::Failed(format!("cannot lock a shared test account: {error}"));
            }
        };
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                return TrialOutcome::Failed(format!("cannot start a tokio runtime: {error}"));
            }
        };
        let trial_tag = format!("{}{}", self.run_id, short_hash(&file.id));
        let outcome = runtime.block_on(async {
            let session = Session::open(target, &trial_tag).await?;
            if let Some(reason) = missing_roles(&scenario.source.text, &session) {
                return Ok(Err(reason));
            }
            let ctx = RunCtx {
                session: &session,
                schemas: self.schemas.as_ref().map_err(String::as_str),
            };
            Ok::<_, crate::targets::SessionError>(Ok(run_scenario(&scenario, &ctx).await))
        });
        let outcome = match outcome {
            Ok(Ok(outcome)) => {
                *rate_limit_wait = outcome.transcript.rate_limit_wait;
                outcome
            }
            Ok(Err(missing)) => {
                return TrialOutcome::Ignored(format!(
                    "target `{}` has no {missing} (used by {display_path})",
                    target.name
                ));
            }
            Err(error) => return TrialOutcome::Failed(format!("{display_path}: {error}")),
        };
        if let Some(report) = outcome.failure_report(&scenario) {
            return TrialOutcome::Failed(report);
        }
        if let Some(reason) = &outcome.ignored {
            return TrialOutcome::Ignored(format!("{reason} (in {display_path})"));
        }
        if self.snapshots == SnapshotMode::Check {
            let transcript = outcome.redacted_transcript();
            if let Err(message) = check_transcript_snapshot(
                &self.snapshots_dir,
                &target.name,
                &file.id,
                &scenario.name,
                &transcript,
            ) {
                return TrialOutcome::Failed(outcome.redactor.redact_str(&message));
            }
        }
        TrialOutcome::Passed
    }
}

/// Runs `files` on `jobs` threads, calling `report` as each finishes (one call at a time), and
/// gives the outcomes in the order of `files`.
pub fn run_parallel(
    suite: &Suite,
    files: &[ScenarioFile],
    jobs: usize,
    report: impl Fn(&ScenarioFile, &TrialReport) + Sync,
) -> Vec<TrialReport> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(vec![None; files.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, files.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(file) = files.get(index) else { break };
                    let trial = crate::guard::catch(|| suite.run_file_report(file)).unwrap_or_else(
                        |caught| TrialReport {
                            outcome: TrialOutcome::Failed(
                                caught.trial_report(&format!("scenarios/{}", file.id)),
                            ),
                            elapsed: Duration::ZERO,
                            rate_limit_wait: Duration::ZERO,
                        },
                    );
                    // The lock also serialises `report`, so lines never interleave.
                    let mut results = results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    report(file, &trial);
                    results[index] = Some(trial);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .map(|trial| {
            trial.unwrap_or_else(|| TrialReport {
                outcome: TrialOutcome::Failed("the scenario did not run".to_owned()),
                elapsed: Duration::ZERO,
                rate_limit_wait: Duration::ZERO,
            })
        })
        .collect()
}

/// The user roles a scenario's templates name.
fn user_roles(scenario_text: &str) -> Vec<String> {
    let Ok(regex) = regex::Regex::new(r"\busers\.([A-Za-z_][A-Za-z0-9_]*)") else {
        return Vec::new();
    };
    let mut roles: Vec<String> = regex
        .captures_iter(scenario_text)
        .map(|found| found[1].to_owned())
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// Takes an exclusive lock (a file lock, so it also holds across nextest's one-process-per-trial)
/// on every existing test account the scenario uses, in a fixed order so trials never deadlock.
/// Identities made unique per trial need none.
fn lock_shared_accounts(
    scenario_text: &str,
    target: &TargetConfig,
) -> std::io::Result<Vec<std::fs::File>> {
    let own_outbox = |source: &Option<crate::targets::OtpSource>| {
        matches!(source, None | Some(crate::targets::OtpSource::MockOutbox))
    };
    if matches!(target.kind, TargetKind::Mock(_))
        && own_outbox(&target.otp_sources.email)
        && own_outbox(&target.otp_sources.sms)
    {
        // Every trial has its own mock tenant and outbox: nothing is shared.
        return Ok(Vec::new());
    }
    let unique = |role: &str| match &target.kind {
        TargetKind::Mock(_) => role == "email_user" || role == "sms_user",
        TargetKind::Remote(remote) => remote
            .users
            .get(role)
            .is_some_and(|user| user.unique_email && user.phone_number.is_none()),
    };
    let folder = std::env::temp_dir().join("passwordless-conformance-locks");
    let mut locks = Vec::new();
    for role in user_roles(scenario_text)
        .iter()
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

/// The client and user roles a scenario's templates name (`clients.native`, `users.totp_enrolled`)
/// that the target does not have, as words for an "ignored" reason; `None` when all are there.
fn missing_roles(scenario_text: &str, session: &Session) -> Option<String> {
    let mut missing = Vec::new();
    for (namespace, what) in [("clients", "client role"), ("users", "user role")] {
        let known = session.context.get(namespace);
        let pattern = format!(r"\b{namespace}\.([A-Za-z_][A-Za-z0-9_]*)");
        let Ok(regex) = regex::Regex::new(&pattern) else {
            continue;
        };
        for found in regex.captures_iter(scenario_text) {
            let role = &found[1];
            let present = known.is_some_and(|value| value.get(role).is_some());
            let entry = format!("{what} `{role}`");
            if !present && !missing.contains(&entry) {
                missing.push(entry);
            }
        }
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

/// Every `*.yaml` / `*.yml` file below `dir`, sorted by id.
pub fn discover(dir: &Path) -> std::io::Result<Vec<ScenarioFile>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
            {
                let relative = path.strip_prefix(dir).unwrap_or(&path);
                let id = relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push(ScenarioFile { id, path });
            }
        }
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(found)
}

fn new_run_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..6)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect()
}

fn short_hash(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    format!("{:04x}", hash & 0xffff)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn discovery_names_files_by_their_path_under_the_folder() {
        let dir = std::env::temp_dir().join(format!("pc-discover-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::write(dir.join("a/b/x.yaml"), "").unwrap();
        std::fs::write(dir.join("top.yml"), "").unwrap();
        std::fs::write(dir.join("notes.md"), "").unwrap();
        let ids: Vec<String> = discover(&dir)
            .unwrap()
            .into_iter()
            .map(|file| file.id)
            .collect();
        assert_eq!(ids, ["a/b/x.yaml", "top.yml"]);
    }
}
