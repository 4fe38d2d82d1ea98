//! The whole run: which scenario files exist and how one of them becomes a verdict.
//!
//! Takes the project folders (`scenarios/`, `schemas/`, `snapshots/`) and the target
//! configuration; gives [`discover`] (every scenario file, named by its path under `scenarios/`),
//! [`Suite::plan`], which decides at listing time whether a file is broken, skipped on this target
//! (and why) or to be run, and [`Suite::run_file`], which loads and validates one file, gates it
//! (`suite/gate.rs`), runs it on its own tokio runtime and checks its snapshot. The CLI's `run` and
//! `tests/scenarios.rs` are thin loops over these, so both run exactly the same engine. Nothing
//! here prints.

mod details;
mod discover;
pub(crate) mod gate;
mod locks;
mod outcome;
pub mod select;
mod settle;
pub mod trials;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::diagnostic::Diagnostic;
use crate::runner::{RunCtx, run_scenario};
use crate::scenario::LoadError;
use crate::scenario::References;
use crate::schema::{SchemaError, SchemaRegistry};
use crate::snapshot::{SnapshotUpdate, SnapshotVerdict, check_transcript_snapshot};
use crate::targets::{Session, TargetConfig, TargetError, TargetKind};
use crate::validate::{Checked, ProjectContext, check_variant};

pub use crate::files::{ScenarioFile, discover_files};
pub use details::{FailedStep, LocatedProblem, StepRecord, TrialDetails, failure_text};
pub use discover::discover;
pub use outcome::{Failure, FailureCause, TrialOutcome};
pub use select::{Selection, TagFilter};

/// What listing decides about a scenario file, before anything runs.
#[derive(Debug, Clone)]
pub enum TrialPlan {
    /// The file loads and validates, and the target can run it (as far as listing can tell).
    Run {
        /// Problems that do not stop the scenario (a check that can never fail).
        warnings: Vec<Diagnostic>,
    },
    /// The target cannot run it: a capability, role or one-time-code source it lacks.
    Skip {
        /// Why, in words (`target `staging` lacks `clock` (required by …)`).
        reason: String,
        /// Problems that do not stop the scenario.
        warnings: Vec<Diagnostic>,
    },
    /// The file does not load or validate, or the target's configuration is broken: the trial fails.
    Broken(String),
}

impl TrialPlan {
    /// The warnings to show, whatever the plan.
    pub fn warnings(&self) -> &[Diagnostic] {
        match self {
            TrialPlan::Run { warnings } | TrialPlan::Skip { warnings, .. } => warnings,
            TrialPlan::Broken(_) => &[],
        }
    }
}

/// What listing knows about a scenario file.
#[derive(Debug, Clone)]
pub struct Listing {
    /// Broken, skipped on this target, or to be run.
    pub plan: TrialPlan,
    /// The scenario's tags; `None` when the file does not load (its tags are unknown).
    pub tags: Option<Vec<String>>,
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
    /// What reports show beyond the verdict (redacted): the scenario's name and tags, each
    /// step's exchange, where it failed, a reproducer, the snapshot's verdict.
    pub details: TrialDetails,
}

/// Whether to compare transcripts with committed snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Compare (and, outside CI, let insta write `.snap.new` files for review).
    Check,
    /// Compare, and outside CI accept what is new or different (`run --accept`).
    Accept,
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
    pub target: Result<TargetConfig, TargetError>,
    /// The schemas, or why they could not be loaded (steps that use them fail with it).
    pub schemas: Result<SchemaRegistry, SchemaError>,
    /// Whether snapshots are checked.
    pub snapshots: SnapshotMode,
    /// Unique per run, so identities never collide across runs on a shared tenant.
    pub run_id: String,
    /// What the project defines (schemas, roles of every profile and fixture), to validate against.
    pub project: ProjectContext,
    /// Scenarios that listing loaded and validated, each handed to its trial once.
    pub prepared: Prepared,
    /// Whether each trial's [`TrialDetails::steps`] keeps every step's redacted exchange (only
    /// the HTML report shows them; redacting and rendering them was a third of a run's CPU).
    /// The default is `true`; `run` turns it off unless `--html` is given.
    pub record_steps: bool,
}

/// The scenarios [`Suite::plan`] loaded and validated, kept until their trial runs so that a file
/// is read and validated once per run, not once when listed and again when run. A trial takes
/// its scenario out (a trial that was never listed loads its file itself), so what stays is at
/// most one scenario per listed file that did not run.
#[derive(Debug, Default)]
pub struct Prepared {
    /// Keyed by trial id: a matrix makes several trials, each with its own values, of one file.
    checked: std::sync::Mutex<std::collections::HashMap<String, Checked>>,
}

impl Prepared {
    fn keep(&self, trial: &str, checked: Checked) {
        self.lock().insert(trial.to_owned(), checked);
    }

    fn take(&self, trial: &str) -> Option<Checked> {
        self.lock().remove(trial)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Checked>> {
        self.checked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Suite {
    /// A suite over the project folder `root` (holding `scenarios/`, `schemas/`, `snapshots/`),
    /// with the target taken from the environment.
    pub fn from_project_dir(root: &Path) -> Suite {
        Suite::for_target(root, None)
    }

    /// As [`Suite::from_project_dir`], against profile `target` of `targets.yaml` when one is
    /// given (`run --target`) rather than the one `CONFORMANCE_TARGET` names.
    pub fn for_target(root: &Path, target: Option<&str>) -> Suite {
        // insta resolves a relative snapshot path against the source file that asserts; anchor it.
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        Suite {
            scenarios_dir: root.join("scenarios"),
            snapshots_dir: root.join("snapshots"),
            target: TargetConfig::load_profile(&root, target),
            schemas: SchemaRegistry::load_with_defaults(&root.join("schemas")),
            snapshots: SnapshotMode::Check,
            run_id: new_run_id(),
            project: ProjectContext::load(&root),
            prepared: Prepared::default(),
            record_steps: true,
        }
    }

    /// The name of the target (for messages), or `?` when its configuration is broken.
    pub fn target_name(&self) -> &str {
        self.target
            .as_ref()
            .map(|target| target.name.as_str())
            .unwrap_or("?")
    }

    /// The target's configuration problem (every missing variable at once), when it has one: for
    /// the harness to print once per run, while each trial fails with one line pointing at it.
    pub fn configuration_report(&self) -> Option<&TargetError> {
        self.target.as_ref().err()
    }

    /// Runs one scenario file from start to verdict.
    pub fn run_file(&self, file: &ScenarioFile) -> TrialOutcome {
        self.run_file_report(file).outcome
    }

    /// Runs one scenario file and reports the verdict with how long it took and waited.
    pub fn run_file_report(&self, file: &ScenarioFile) -> TrialReport {
        let started = Instant::now();
        let mut rate_limit_wait = Duration::ZERO;
        let mut details = TrialDetails::default();
        // A panic anywhere inside the trial fails this trial only, quietly.
        let outcome =
            crate::guard::catch(|| self.verdict(file, &mut rate_limit_wait, &mut details))
                .unwrap_or_else(|caught| {
                    TrialOutcome::failed(
                        FailureCause::Panicked,
                        caught.trial_report(&format!("scenarios/{}", file.id)),
                    )
                });
        TrialReport {
            outcome,
            elapsed: started.elapsed(),
            rate_limit_wait,
            details,
        }
    }

    /// Decides, before anything runs, whether `file` is broken, skipped on this target, or to be run.
    /// Listing (`tests/scenarios.rs`, `run`) calls this so that every runner reports a skip as a skip.
    pub fn plan(&self, file: &ScenarioFile) -> TrialPlan {
        self.list(file).plan
    }

    /// What listing knows about `file`: its [`TrialPlan`] and, when it loads, its scenario's
    /// tags (which [`Selection`] reads).
    pub fn list(&self, file: &ScenarioFile) -> Listing {
        let checked = match self.check(file) {
            Ok(checked) => checked,
            Err(error) => {
                return Listing {
                    plan: TrialPlan::Broken(error.to_string()),
                    tags: None,
                };
            }
        };
        let tags = Some(checked.scenario.tags.clone());
        let target = match &self.target {
            Ok(target) => target,
            Err(error) => {
                return Listing {
                    plan: TrialPlan::Broken(unconfigured(&error.to_string())),
                    tags,
                };
            }
        };
        let plan = match self.skip_reason(&checked, target) {
            Some(reason) => TrialPlan::Skip {
                reason,
                warnings: checked.warnings,
            },
            None => {
                let warnings = checked.warnings.clone();
                self.prepared.keep(&file.id, checked);
                TrialPlan::Run { warnings }
            }
        };
        Listing { plan, tags }
    }

    /// Loads and validates `file` (for a combination of a matrix, with its values).
    fn check(&self, file: &ScenarioFile) -> Result<Checked, LoadError> {
        check_variant(
            &file.path,
            &file.display_path(),
            file.variant(),
            &self.project,
        )
    }

    fn skip_reason(&self, checked: &Checked, target: &TargetConfig) -> Option<String> {
        let roster = gate::target_roster(target).ok();
        gate::skip_reason(&checked.scenario, target, roster.as_ref())
    }

    fn verdict(
        &self,
        file: &ScenarioFile,
        rate_limit_wait: &mut Duration,
        details: &mut TrialDetails,
    ) -> TrialOutcome {
        let display_path = file.display_path();
        // Fault injection for the guard's end-to-end test (`tests/it/run_output.rs`), in debug
        // builds only: a real panic inside a trial, wherever the bug that causes it would be.
        #[cfg(debug_assertions)]
        if std::env::var("CONFORMANCE_PANIC_IN").is_ok_and(|id| id == file.id) {
            panic!("injected into `{}` by CONFORMANCE_PANIC_IN", file.id);
        }
        // A trial listing prepared was already found runnable on this target.
        let prepared = self.prepared.take(&file.id);
        let gated = prepared.is_some();
        let checked = match prepared.map_or_else(|| self.check(file), Ok) {
            Ok(checked) => checked,
            Err(error) => {
                details.record_broken(&error);
                return TrialOutcome::failed(FailureCause::Broken, error.to_string());
            }
        };
        details.describe(&checked.scenario);
        let target = match &self.target {
            Ok(target) => target,
            Err(error) => {
                return TrialOutcome::failed(
                    FailureCause::Unconfigured,
                    unconfigured(&error.to_string()),
                );
            }
        };
        if !gated && let Some(reason) = self.skip_reason(&checked, target) {
            return TrialOutcome::Ignored(reason);
        }
        let with_warnings = |report: String| append_warnings(report, &checked.warnings);
        let scenario = &checked.scenario;

        // Existing test accounts (MFA users) are shared by every trial that names them: one
        // trial at a time may use one, or they would read each other's codes.
        let _account_locks = match locks::lock_shared_accounts(&scenario.references, target) {
            Ok(locks) => locks,
            Err(error) => {
                return TrialOutcome::failed(
                    FailureCause::Setup,
                    format!("cannot lock a shared test account: {error}"),
                );
            }
        };
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                return TrialOutcome::failed(
                    FailureCause::Setup,
                    format!("cannot start a tokio runtime: {error}"),
                );
            }
        };
        let trial_tag = format!("{}{}", self.run_id, short_hash(&file.id));
        let outcome = runtime.block_on(async {
            let session = Session::open(target, &trial_tag).await?;
            // Listing decided from the profile and the fixture; only the live target can confirm it.
            if let Some(reason) = missing_roles(&scenario.references, &session) {
                return Ok(Err(reason));
            }
            let ctx = RunCtx {
                session: &session,
                schemas: self.schemas.as_ref(),
            };
            let outcome = run_scenario(scenario, &ctx).await;
            // Still holding the accounts' locks: a spent recovery code is replaced for the next trial.
            let settled = settle::after_trial(target, &session, &outcome).await;
            Ok::<_, crate::targets::SessionError>(Ok((outcome, settled)))
        });
        let outcome = match outcome {
            Ok(Ok((outcome, settled))) => {
                *rate_limit_wait = outcome.transcript.rate_limit_wait;
                details.record_run(&outcome, self.record_steps);
                if let Err(message) = settled {
                    return TrialOutcome::failed(
                        FailureCause::Settle,
                        outcome
                            .redactor
                            .redact_message(&format!("{display_path}: {message}")),
                    );
                }
                outcome
            }
            Ok(Err(missing)) => {
                return TrialOutcome::Ignored(format!(
                    "target `{}` has no {missing} (used by {display_path})",
                    target.name
                ));
            }
            Err(error) => {
                return TrialOutcome::failed(
                    FailureCause::Setup,
                    with_warnings(format!("{display_path}: {error}")),
                );
            }
        };
        // On a real tenant a failure is read against the evidence: deviation or guess.
        let report = match target.kind {
            TargetKind::Remote(_) => outcome
                .classified_failure_report(scenario)
                .map(|(report, class)| (report, Some(class))),
            TargetKind::Mock(_) => outcome
                .failure_report(scenario)
                .map(|report| (report, None)),
        };
        if let Some((report, class)) = report {
            details.failure_class = class;
            return TrialOutcome::failed(FailureCause::Steps, with_warnings(report));
        }
        if let Some(reason) = &outcome.ignored {
            return TrialOutcome::Ignored(format!("{reason} (in {display_path})"));
        }
        if self.snapshots != SnapshotMode::Skip {
            let update = match self.snapshots {
                SnapshotMode::Accept => SnapshotUpdate::Accept,
                _ => SnapshotUpdate::Review,
            };
            let transcript = outcome.redacted_transcript();
            match check_transcript_snapshot(
                &self.snapshots_dir,
                target.snapshot_folder(),
                target.snapshots.shared_with.as_deref(),
                &file.id,
                &scenario.name,
                &transcript,
                update,
            ) {
                Ok(SnapshotVerdict::Matched) => {}
                Ok(SnapshotVerdict::Accepted(path)) => {
                    details.snapshot = Some(format!("snapshot accepted: {}", path.display()));
                }
                Err(message) => {
                    let message = outcome.redactor.redact_str(&message);
                    details.snapshot = Some(message.clone());
                    return TrialOutcome::failed(FailureCause::Snapshot, with_warnings(message));
                }
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
                            outcome: TrialOutcome::failed(
                                FailureCause::Panicked,
                                caught.trial_report(&format!("scenarios/{}", file.id)),
                            ),
                            elapsed: Duration::ZERO,
                            rate_limit_wait: Duration::ZERO,
                            details: TrialDetails::default(),
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
                outcome: TrialOutcome::failed(FailureCause::NotRun, "the scenario did not run"),
                elapsed: Duration::ZERO,
                rate_limit_wait: Duration::ZERO,
                details: TrialDetails::default(),
            })
        })
        .collect()
}

/// The client and user roles the scenario's templates name that the live target does not have, as
/// words for an "ignored" reason; `None` when all are there.
fn missing_roles(references: &References, session: &Session) -> Option<String> {
    let mut missing = Vec::new();
    for (namespace, what, roles) in [
        ("clients", "client role", references.client_roles()),
        ("users", "user role", references.user_roles()),
    ] {
        let known = session.context.get(namespace);
        for role in roles {
            if known.is_none_or(|value| value.get(role).is_none()) {
                missing.push(format!("{what} `{role}`"));
            }
        }
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

/// What each trial says when the target's configuration is broken: its first line, and where the
/// whole report is (printed once per run, not once per trial).
fn unconfigured(report: &str) -> String {
    let first = report.lines().next().unwrap_or(report);
    format!(
        "{} (the whole report is printed once, before the results)",
        first.trim_end_matches(':')
    )
}

/// A failure report followed by the scenario's warnings, which may explain it.
fn append_warnings(report: String, warnings: &[Diagnostic]) -> String {
    if warnings.is_empty() {
        return report;
    }
    let rendered: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    format!("{report}\n\n{}", rendered.join("\n\n"))
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
