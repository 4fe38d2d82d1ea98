//! Reports of a finished run, for people and for CI tools.
//!
//! Takes each trial's [`TrialReport`] (verdict, time, and the redacted [`TrialDetails`]) and
//! gives a [`RunReport`], rendered as: the lines `run` prints for each trial and at the end, with
//! a progress bar on a terminal ([`console`]); JUnit XML ([`junit`]); one self-contained HTML
//! file ([`html`]); GitHub Actions annotations ([`annotations`]). Every text a report shows was
//! redacted by its trial, then passes the environment's redactor once more
//! ([`FinishedTrial::new`]), as `run`'s output always did; the reproducer is the one exception
//! (see `runner/reproducer.rs`). This module runs nothing and knows nothing of insta or HTTP.

pub mod annotations;
pub mod console;
pub mod html;
pub mod junit;

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::redact::Redactor;
use crate::suite::{ScenarioFile, TrialDetails, TrialOutcome, TrialReport};

/// A whole run, finished.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The target's name.
    pub target: String,
    /// When the run started.
    pub started: SystemTime,
    /// How long it took, listing included.
    pub elapsed: Duration,
    /// The machine it ran on.
    pub hostname: String,
    /// Every trial, in the order of the files.
    pub trials: Vec<FinishedTrial>,
}

/// One trial, finished, with every text redacted.
#[derive(Debug, Clone)]
pub struct FinishedTrial {
    /// The trial's name: the scenario's path under `scenarios/`.
    pub id: String,
    /// The verdict; the skip reason and failure report are redacted.
    pub outcome: TrialOutcome,
    /// Wall time of the trial.
    pub elapsed: Duration,
    /// Of which spent waiting on rate limits.
    pub rate_limit_wait: Duration,
    /// What reports show beyond the verdict.
    pub details: TrialDetails,
}

/// How many trials passed, failed and were skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped: the target cannot run them.
    pub skipped: usize,
}

impl FinishedTrial {
    /// The trial `report` of `file`, with its texts passed through `environment` (the secrets
    /// the environment names), which also covers what failed before the trial knew its target.
    pub fn new(file: &ScenarioFile, report: TrialReport, environment: &Redactor) -> FinishedTrial {
        let TrialReport {
            outcome,
            elapsed,
            rate_limit_wait,
            mut details,
        } = report;
        let outcome = match outcome {
            TrialOutcome::Passed => TrialOutcome::Passed,
            TrialOutcome::Ignored(reason) => {
                TrialOutcome::Ignored(environment.redact_message(&reason))
            }
            TrialOutcome::Failed(failure) => {
                TrialOutcome::failed(failure.cause, environment.redact_message(&failure.report))
            }
        };
        for problem in &mut details.problems {
            problem.message = environment.redact_message(&problem.message);
        }
        for step in &mut details.steps {
            step.exchange = environment.redact_str(&step.exchange);
        }
        if let Some(snapshot) = &mut details.snapshot {
            *snapshot = environment.redact_message(snapshot);
        }
        FinishedTrial {
            id: file.id.clone(),
            outcome,
            elapsed,
            rate_limit_wait,
            details,
        }
    }

    /// The scenario file as people see it, e.g. `scenarios/mfa/otp.yaml`.
    pub fn file(&self) -> String {
        match self.details.problems.first() {
            Some(problem) => problem.file.clone(),
            None => format!("scenarios/{}", scenario_path(&self.id)),
        }
    }

    /// The failure report followed by the reproducer (empty unless the trial failed).
    pub fn failure_text(&self) -> String {
        crate::suite::failure_text(&self.outcome, &self.details)
    }

    /// `passed`, `failed` or `skipped`.
    pub fn status(&self) -> &'static str {
        match self.outcome {
            TrialOutcome::Passed => "passed",
            TrialOutcome::Failed(_) => "failed",
            TrialOutcome::Ignored(_) => "skipped",
        }
    }
}

impl RunReport {
    /// How many trials passed, failed and were skipped.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for trial in &self.trials {
            match trial.outcome {
                TrialOutcome::Passed => counts.passed += 1,
                TrialOutcome::Failed(_) => counts.failed += 1,
                TrialOutcome::Ignored(_) => counts.skipped += 1,
            }
        }
        counts
    }

    /// The failed trials.
    pub fn failed(&self) -> impl Iterator<Item = &FinishedTrial> {
        self.trials
            .iter()
            .filter(|trial| matches!(trial.outcome, TrialOutcome::Failed(_)))
    }
}

/// The path of the file a trial comes from: its name without a matrix's `[name=value, …]`.
fn scenario_path(id: &str) -> &str {
    match id.find('[') {
        Some(at) if id.ends_with(']') => &id[..at],
        _ => id,
    }
}

/// The name of this machine, for reports (`localhost` when it cannot be told).
pub fn hostname() -> String {
    #[cfg(unix)]
    {
        let name = rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned();
        if !name.is_empty() {
            return name;
        }
    }
    std::env::var("COMPUTERNAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "localhost".to_owned())
}

/// Writes `text` to `path` whole: to a temporary file beside it, then renamed, so a reader never
/// sees half a report; the folder is created if needed.
pub fn write_report(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(folder) = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder)?;
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matrix_trial_comes_from_its_file() {
        assert_eq!(scenario_path("mfa/otp.yaml[channel=sms]"), "mfa/otp.yaml");
        assert_eq!(scenario_path("mfa/otp.yaml"), "mfa/otp.yaml");
    }
}
